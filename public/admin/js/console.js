// The console page's entry: sign-in, the live stream and which view each of its events feeds.
// Each view lives in its own module; this one only routes.
import { openStream, token } from './api.js';
import { connectionsView, refreshConnections } from './connections.js';
import { $ } from './dom.js';
import { renderNodes } from './nodes.js';
import { overview } from './overview.js';
import { roomsTable } from './rooms.js';
import { stopTail, tailView } from './tail.js';

const STATE_TEXT = { live: 'Live', reconnecting: 'Reconnecting…', 'signed-out': 'Signed out', connecting: 'Connecting…' };
let stream;
let views;
let clusterConnections;

function setState(s, detail) {
  const el = $('stream-state');
  el.dataset.state = s;
  $('stream-state-text').textContent = STATE_TEXT[s] ?? s;
  if (detail?.message && s === 'reconnecting') el.title = detail.message;
}

function signOut(message) {
  stream?.stop();
  stream = undefined;
  stopTail();
  token.clear();
  $('main').hidden = true;
  $('sign-out').hidden = true;
  $('login').hidden = false;
  const error = $('login-error');
  error.hidden = !message;
  error.textContent = message ?? '';
  setState('signed-out');
  $('admin-token').focus();
}

function onEvent(name, data) {
  if (name === 'hello') {
    $('node-name').textContent = data.node;
    $('node-version').textContent = data.version;
    views.overview.reset(data.history);
    // Signed in for sure: the stream accepted the token.
    $('login').hidden = true;
    $('main').hidden = false;
    $('sign-out').hidden = false;
    refreshConnections();
  } else if (name === 'sample') views.overview.add(data);
  else if (name === 'rooms') views.rooms(data);
  else if (name === 'nodes') {
    renderNodes(data);
    if (clusterConnections !== data.connections) {
      clusterConnections = data.connections;
      refreshConnections();
    }
  }
}

function start() {
  setState('connecting');
  stream = openStream(onEvent, (s, detail) => {
    if (s === 'refused') signOut(detail.status === 403 ? detail.message : `The admin token was refused (${detail.status}): ${detail.message}`);
    else setState(s, detail);
  });
}

document.addEventListener('DOMContentLoaded', () => {
  views = { overview: overview(), rooms: roomsTable() };
  connectionsView();
  tailView();
  $('login-form').addEventListener('submit', (e) => {
    e.preventDefault();
    token.set($('admin-token').value);
    $('admin-token').value = '';
    start();
  });
  $('sign-out').addEventListener('click', () => signOut());
  if (token.get()) start();
  else signOut();
});

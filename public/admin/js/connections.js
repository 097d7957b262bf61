// Owns the connections view: a search over every node's connections (account, generation, IP,
// binding), one connection's detail (subscriptions, token expiry, buffered bytes, age) and the audited
// disconnect. Asks /api/sockets when the search changes or the cluster's connection count moves.
import { api } from './api.js';
import { $, h, fill } from './dom.js';
import * as fmt from './format.js';

const LABELS = { websocket: 'WebSocket', socketio: 'Socket.IO v4', 'socketio-eio3': 'Socket.IO EIO3', 'socketio-legacy': 'Socket.IO 0.9' };
let selected;
let timer;
let asking = 0;

function ageOf(c) {
  return (Date.now() - new Date(c.connected_at).getTime()) / 1000;
}

function showDetail(c) {
  selected = c;
  const panel = $('connection-detail');
  panel.hidden = false;
  $('detail-title').textContent = `Connection ${c.id}`;
  $('detail-message').textContent = '';
  const field = (k, v) => [h('dt', {}, k), h('dd', {}, v)];
  fill($('detail-fields'), [
    ...field('Node', c.node),
    ...field('Generation', LABELS[c.generation] ?? c.generation),
    ...field('Client IP', c.ip),
    ...field('Age', `${fmt.age(ageOf(c))} (since ${fmt.clock(c.connected_at)})`),
    ...field('Buffered', fmt.bytes(c.buffered_bytes)),
    ...field('Token expires', c.token_expires_at ? `${fmt.until(c.token_expires_at)} (${fmt.clock(c.token_expires_at)})` : 'no expiry known (token without expiry)'),
  ]);
  const subs = c.subscriptions.map((s) => h('li', {}, h('span', { class: 'mono' }, s.binding), ` · account `, h('span', { class: 'mono' }, s.account_id), s.name ? ` · name ${s.name}` : '', ` · since ${fmt.clock(s.since)}`));
  fill($('detail-subscriptions'), subs.length ? subs : [h('li', { class: 'empty' }, 'No subscription: the client connected but has not subscribed to anything.')]);
  panel.focus();
}

function row(c) {
  return h('tr', { 'data-id': c.id },
    h('th', { scope: 'row', class: 'mono', title: c.id }, c.id.slice(0, 8)),
    h('td', {}, LABELS[c.generation] ?? c.generation),
    h('td', { class: 'mono' }, c.ip),
    h('td', { class: 'mono' }, c.accounts.join(', ') || '–'),
    h('td', { class: 'mono' }, c.bindings.join(', ') || 'none'),
    h('td', { class: 'num' }, fmt.age(ageOf(c))),
    h('td', { class: 'num' }, fmt.bytes(c.buffered_bytes)),
    h('td', {}, h('button', { type: 'button', class: 'small', 'aria-label': `Details of connection ${c.id}`, onclick: () => showDetail(c) }, 'Details')));
}

/** Asks for the connections matching the search now. */
export async function refreshConnections() {
  const params = new URLSearchParams();
  const q = $('connections-q').value.trim();
  const generation = $('connections-generation').value;
  if (q) params.set('q', q);
  if (generation) params.set('generation', generation);
  const mine = ++asking;
  let data;
  try {
    data = await api(`/api/sockets?${params}`);
  } catch (err) {
    $('connections-empty').hidden = false;
    $('connections-empty').textContent = `Could not list connections: ${err.message}`;
    return;
  }
  if (mine !== asking) return;
  const list = data.connections ?? [];
  const total = data.connections_total ?? list.length;
  $('connections-count').textContent = `${fmt.count(total)} matching${total > list.length ? `, first ${list.length} shown` : ''}${data.connections_scope === 'cluster' ? ' across the cluster' : ''}`;
  fill($('connections-body'), list.map(row));
  const empty = $('connections-empty');
  empty.hidden = list.length > 0;
  empty.textContent = q || generation
    ? 'No connection matches: clear the search or choose every generation.'
    : 'No client is connected. Point a KAZOO client at this bridge (ws://…:5555/ or Socket.IO), or open the demo page at / and subscribe.';
  const message = $('detail-message');
  if (selected && !message.textContent && !list.some((c) => c.id === selected.id)) message.textContent = 'This connection is no longer in the list (closed, or outside the search).';
}

async function disconnect(e) {
  e.preventDefault();
  if (!selected) return;
  const reason = $('disconnect-reason').value.trim();
  const msg = $('detail-message');
  try {
    await api(`/api/sockets/${encodeURIComponent(selected.id)}/disconnect`, { method: 'POST', body: { reason } });
    msg.textContent = `Disconnected ${selected.id} ("${reason}"); logged by the bridge.`;
    refreshConnections();
  } catch (err) {
    msg.textContent = `Disconnect failed: ${err.message}`;
  }
}

/** Wires the search and the detail panel. */
export function connectionsView() {
  const later = () => {
    clearTimeout(timer);
    timer = setTimeout(refreshConnections, 250);
  };
  $('connections-q').addEventListener('input', later);
  $('connections-generation').addEventListener('change', refreshConnections);
  $('connections-search').addEventListener('submit', (e) => {
    e.preventDefault();
    refreshConnections();
  });
  $('disconnect-form').addEventListener('submit', disconnect);
  const close = () => {
    $('connection-detail').hidden = true;
    const back = selected && document.querySelector(`tr[data-id="${CSS.escape(selected.id)}"] button`);
    selected = undefined;
    (back || $('connections-q')).focus();
  };
  $('detail-close').addEventListener('click', close);
  $('connection-detail').addEventListener('keydown', (e) => {
    if (e.key === 'Escape') close();
  });
}

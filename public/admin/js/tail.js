// Owns the live tail: an ordinary raw WebSocket client of the bridge, subscribed with an account's own
// token, so it sees exactly what any client of that account would (the admin token grants no events).
import { $, h } from './dom.js';
import * as fmt from './format.js';

const MAX_ROWS = 200;
let socket;
let shown = 0;

function state(text) {
  $('tail-state').textContent = text;
}

function stop(text) {
  if (socket) {
    socket.onclose = null;
    socket.close(1000, 'tail stopped');
    socket = undefined;
  }
  $('tail-start').disabled = false;
  $('tail-stop').disabled = true;
  if (text) state(text);
}

function addEvent(env) {
  const list = $('tail-events');
  shown++;
  const data = env.data ?? {};
  list.prepend(h('li', {},
    h('span', { class: 'when' }, fmt.clock(Date.now())),
    h('b', {}, env.name ?? 'event'),
    h('span', { class: 'mono' }, env.routing_key ?? ''),
    data['Call-ID'] ? h('span', { class: 'mono muted' }, `call ${data['Call-ID']}`) : ''));
  while (list.children.length > MAX_ROWS) list.lastElementChild.remove();
  state(`Live: ${fmt.count(shown)} events on ${env.subscribed_key ?? 'the binding'} (newest first, last ${MAX_ROWS} kept).`);
}

function start(e) {
  e.preventDefault();
  stop();
  const account = $('tail-account').value.trim();
  const binding = $('tail-binding').value.trim();
  const authToken = $('tail-token').value;
  shown = 0;
  $('tail-events').replaceChildren();
  state('Connecting…');
  const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/`);
  socket = ws;
  $('tail-start').disabled = true;
  $('tail-stop').disabled = false;
  ws.onopen = () => {
    ws.send(JSON.stringify({ action: 'subscribe', auth_token: authToken, request_id: 'console-tail', data: { account_id: account, binding } }));
  };
  ws.onmessage = (ev) => {
    let msg;
    try {
      msg = JSON.parse(ev.data);
    } catch {
      return;
    }
    if (msg.action === 'reply' && msg.request_id === 'console-tail') {
      if (msg.status === 'success') state(`Subscribed to ${binding} for ${account}: waiting for events…`);
      else stop(`Refused: ${(msg.data?.errors ?? [msg.data?.message ?? 'subscribe failed']).join('; ')}`);
    } else if (msg.action === 'event') addEvent(msg);
  };
  ws.onclose = (ev) => stop(`The tail's connection closed (code ${ev.code}${ev.reason ? `: ${ev.reason}` : ''}). Start again to reconnect.`);
}

/** Wires the tail form. */
export function tailView() {
  $('tail-form').addEventListener('submit', start);
  $('tail-stop').addEventListener('click', () => stop('Stopped.'));
}

/** Ends the tail (sign-out). */
export function stopTail() {
  stop();
}

// Owns the nodes table: every live node of the cluster (or this one alone) with its state, its
// RabbitMQ and Redis connections and their reconnect counts, from the stream's `nodes` events.
import { $, h, fill } from './dom.js';
import * as fmt from './format.js';

function badge(ok, text) {
  return h('span', { class: `badge ${ok ? 'ok' : 'bad'}` }, text);
}

function brokerCell(v) {
  if (!v) return 'not reported';
  const b = v.broker;
  return h('span', {}, badge(b.ready, b.ready ? 'ready' : 'not ready'), ` ${fmt.count(b.bindings)} bindings · ${fmt.count(b.reconnects)} reconnects`);
}

function redisCell(v) {
  if (!v) return 'not reported';
  const r = v.redis;
  if (r.status === 'off') return h('span', {}, badge(true, 'single node'), ' no EH_REDIS_URL');
  return h('span', {}, badge(r.status === 'up', r.status === 'up' ? 'connected' : 'unreachable'), ` ${fmt.count(r.losses)} outages`);
}

function stateCell(n) {
  const stale = Date.now() - new Date(n.updatedAt).getTime() > 30000;
  if (n.vitals?.draining) return badge(false, 'draining');
  if (stale) return badge(false, 'stale report');
  return badge(true, 'serving');
}

/** Renders one `nodes` event (cluster stats). */
export function renderNodes(stats) {
  $('nodes-scope').textContent = stats.scope === 'cluster' ? `${stats.nodes} nodes (from Redis)` : 'this node only (no Redis, or Redis away)';
  $('nodes-empty').hidden = stats.perNode.length > 0;
  fill($('nodes-body'), stats.perNode.map((n) => h('tr', {},
    h('th', { scope: 'row' }, h('span', { class: 'mono' }, n.node), h('br'), h('small', {}, n.url || '–')),
    h('td', {}, stateCell(n)),
    h('td', { class: 'num' }, `${fmt.count(n.connections)} conn`),
    h('td', { class: 'num' }, fmt.count(n.subscriptions)),
    h('td', { class: 'num' }, fmt.count(n.rooms)),
    h('td', {}, brokerCell(n.vitals)),
    h('td', {}, redisCell(n.vitals)),
    h('td', {}, `${fmt.age((Date.now() - new Date(n.startedAt).getTime()) / 1000)} ago`),
  )));
}

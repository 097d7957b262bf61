// Owns the overview: the tiles (latest value of each measure, with units) and the six charts, fed by
// the stream's per-second samples of this node.
import { lineChart } from './charts.js';
import { $, h } from './dom.js';
import * as fmt from './format.js';

const GENERATIONS = [
  ['websocket', 'WebSocket'],
  ['socketio', 'Socket.IO v4'],
  ['socketio-eio3', 'Socket.IO EIO3'],
  ['socketio-legacy', 'Socket.IO 0.9'],
];
const TRANSPORTS = [
  ['websocket', 'WebSocket'],
  ['socketio', 'Socket.IO v2–v4'],
  ['socketio-legacy', 'Socket.IO 0.9'],
];
const REFUSALS = [
  ['auth_failed', 'bad token'],
  ['auth_unavailable', 'auth down'],
  ['per_ip_cap', 'per-IP cap'],
  ['rate_limited', 'rate limit'],
  ['too_large', 'too large'],
  ['bindings_cap', 'bindings cap'],
  ['origin', 'origin'],
  ['blocked_ip', 'blocked IP'],
];

function sum(obj) {
  return Object.values(obj ?? {}).reduce((a, b) => a + b, 0);
}

/** One flat point per sample, keyed the way the charts read them. */
function point(s) {
  const p = {
    in: s.eventsInPerSec,
    p50: s.latencyP50Ms,
    p99: s.latencyP99Ms,
    bindings: s.amqpBindings,
    slow: s.slowDropped,
  };
  for (const [k] of TRANSPORTS) p[`out:${k}`] = s.deliveredPerSec[k] ?? 0;
  for (const [k] of GENERATIONS) p[`conn:${k}`] = s.connections[k] ?? 0;
  for (const [k] of REFUSALS) p[`ref:${k}`] = (s.refusals[k] ?? 0) / (s.seconds || 1);
  return p;
}

/** Builds the overview in the page; returns { add(sample), reset(history) }. */
export function overview() {
  const tiles = $('tiles');
  const tile = (id, label) => {
    const dd = h('dd', { id: `tile-${id}` }, '–');
    tiles.append(h('div', { class: 'tile' }, h('dt', {}, label), dd));
    return dd;
  };
  const t = {
    conns: tile('connections', 'Connections'),
    in: tile('events-in', 'Events in'),
    out: tile('deliveries-out', 'Deliveries out'),
    p50: tile('p50', 'Latency p50'),
    p99: tile('p99', 'Latency p99'),
    bindings: tile('bindings', 'AMQP bindings'),
    slow: tile('slow', 'Slow clients dropped (2 min)'),
    refused: tile('refused', 'Refusals (2 min)'),
  };
  const charts = $('charts');
  const all = [
    lineChart(charts, { id: 'chart-events', title: 'Events in and deliveries out, per second', unit: fmt.rate, series: [{ key: 'in', label: 'events in' }, ...TRANSPORTS.map(([k, l]) => ({ key: `out:${k}`, label: `out ${l}` }))] }),
    lineChart(charts, { id: 'chart-connections', title: 'Connections by client generation', integer: true, unit: (n) => `${fmt.count(n)} conn`, series: GENERATIONS.map(([k, l]) => ({ key: `conn:${k}`, label: l })) }),
    lineChart(charts, { id: 'chart-latency', title: 'Delivery latency (AMQP in to last socket write)', unit: (n) => (n === null ? 'no events' : fmt.ms(n)), floor: 0.1, series: [{ key: 'p50', label: 'p50' }, { key: 'p99', label: 'p99' }] }),
    lineChart(charts, { id: 'chart-bindings', title: 'AMQP bindings on the broker', integer: true, unit: (n) => `${fmt.count(n)} bindings`, series: [{ key: 'bindings', label: 'bindings' }] }),
    lineChart(charts, { id: 'chart-slow', title: 'Slow clients dropped, per second', unit: (n) => `${fmt.count(n, 1)} /s`, series: [{ key: 'slow', label: 'dropped' }] }),
    lineChart(charts, { id: 'chart-refusals', title: 'Refusals by kind, per second', unit: fmt.rate, series: REFUSALS.map(([k, l]) => ({ key: `ref:${k}`, label: l })) }),
  ];
  let samples = [];
  let points = [];

  function render() {
    for (const c of all) c.update(points);
    const last = samples.at(-1);
    if (!last) return;
    t.conns.textContent = `${fmt.count(sum(last.connections))} conn`;
    t.in.textContent = fmt.rate(last.eventsInPerSec);
    t.out.textContent = fmt.rate(sum(last.deliveredPerSec));
    t.p50.textContent = fmt.ms(last.latencyP50Ms);
    t.p99.textContent = fmt.ms(last.latencyP99Ms);
    t.bindings.textContent = `${fmt.count(last.amqpBindings)} bindings`;
    t.slow.textContent = `${fmt.count(samples.reduce((a, s) => a + s.slowDropped, 0))} conn`;
    t.refused.textContent = `${fmt.count(samples.reduce((a, s) => a + sum(s.refusals), 0))} refusals`;
  }

  return {
    reset(history) {
      samples = history.slice(-120);
      points = samples.map(point);
      render();
    },
    add(sample) {
      samples.push(sample);
      points.push(point(sample));
      if (samples.length > 120) {
        samples.shift();
        points.shift();
      }
      render();
    },
  };
}

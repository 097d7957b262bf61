// /metrics for dashboards and alerts: connections opened/closed by generation, wire bytes both ways,
// build identity, and every known label value present (0) before its first increment.
import { VERSION } from '../../src/ops/version';
import { connectClient, WsClient } from '../helpers/clients';
import { useBridge } from '../helpers/bridge-fixture';
import { newCallId } from '../helpers/ids';
import { pollUntil } from '../helpers/wait';

const bridge = useBridge();

async function scrape(): Promise<string> {
  const res = await fetch(`${bridge.server.url}/metrics`);
  expect(res.status).toBe(200);
  return res.text();
}

/** The value of one sample (`name{labels}`, labels as written by prom-client), or undefined when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

it('shows every labelled counter with its known label values from the first scrape', async () => {
  const text = await scrape();
  for (const g of ['websocket', 'socketio', 'socketio-eio3', 'socketio-legacy']) {
    expect(sample(text, `eh_connections_opened_total{generation="${g}"}`)).toEqual(expect.any(Number));
    expect(sample(text, `eh_connections_closed_total{generation="${g}"}`)).toEqual(expect.any(Number));
    expect(sample(text, `eh_forced_disconnects_total{reason="slow_client",generation="${g}"}`)).toBe(0);
  }
  for (const t of ['websocket', 'socketio', 'socketio-legacy']) expect(sample(text, `eh_events_delivered_total{transport="${t}"}`)).toEqual(expect.any(Number));
  for (const s of ['success', 'error']) expect(sample(text, `eh_replies_total{status="${s}"}`)).toEqual(expect.any(Number));
  for (const k of ['client_input', 'auth', 'broker', 'internal', 'slow_client', 'dead_peer']) expect(sample(text, `eh_errors_total{kind="${k}"}`)).toEqual(expect.any(Number));
  for (const r of ['undecodable', 'unrouted']) expect(sample(text, `eh_events_dropped_total{reason="${r}"}`)).toEqual(expect.any(Number));
});

it('has a build-info metric naming the version, the commit and the node', async () => {
  const line = (await scrape()).split('\n').find((l) => l.startsWith('eh_build_info{'));
  expect(line).toBeDefined();
  expect(line).toContain(`version="${VERSION}"`);
  expect(line).toContain(`node="${bridge.server.app.cluster.node}"`);
  expect(line).toMatch(/commit="([0-9a-f]{7,40}|unknown)"/);
  expect(line).toContain(`nodejs="${process.version}"`);
  expect(line).toMatch(/ 1$/);
});

it('counts connections opened and closed per generation', async () => {
  const before = await scrape();
  const read = (text: string, kind: 'opened' | 'closed', g: string) => sample(text, `eh_connections_${kind}_total{generation="${g}"}`) ?? 0;
  const clients = await Promise.all([connectClient('websocket', bridge.server.url), connectClient('socketio-v4', bridge.server.url), connectClient('socketio-v2', bridge.server.url)]);
  const opened = await scrape();
  for (const g of ['websocket', 'socketio', 'socketio-eio3']) expect(read(opened, 'opened', g) - read(before, 'opened', g)).toBe(1);
  await Promise.all(clients.map((c) => c.close()));
  await pollUntil('three closes counted', async () => {
    const text = await scrape();
    return ['websocket', 'socketio', 'socketio-eio3'].every((g) => read(text, 'closed', g) - read(before, 'closed', g) === 1) ? true : undefined;
  });
});

it('counts bytes received from and sent to clients', async () => {
  const id = bridge.server.addIdentity();
  const c = bridge.track((await connectClient('websocket', bridge.server.url)) as WsClient);
  expect(await c.subscribe(id.token, id.accountId, 'call.CHANNEL_CREATE.*')).toMatchObject({ status: 'success' });
  const before = await scrape();
  const received = (t: string) => sample(t, 'eh_bytes_received_total') ?? NaN;
  const sent = (t: string) => sample(t, 'eh_bytes_sent_total') ?? NaN;
  // 20 kB in (a ping carrying padding) and 30 kB out (an event carrying a large field).
  expect(await c.request({ action: 'ping', auth_token: id.token, padding: 'x'.repeat(20_000) })).toMatchObject({ status: 'success' });
  const callId = newCallId();
  await bridge.kazoo.call('CHANNEL_CREATE', id.accountId, callId, { 'Caller-ID-Name': 'y'.repeat(30_000) });
  await c.waitEvents('the large event', (e) => e.data['call_id'] === callId);
  const after = await scrape();
  expect(received(after) - received(before)).toBeGreaterThanOrEqual(20_000);
  expect(sent(after) - sent(before)).toBeGreaterThanOrEqual(30_000);
});

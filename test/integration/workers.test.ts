// `EH_WORKERS=2`: one command, two worker processes behind one port. Real clients of every generation
// (raw WebSocket as seed 000, the 0.9.16 client over websocket and xhr-polling as seed 002, Socket.IO
// v4 long-polling) subscribe through it and get each event exactly once; the first request of every
// fresh connection is answered (the handover loses no byte); the machine-wide /readyz,
// /metrics and stats; a worker SIGKILLed is restarted while the other worker's clients see nothing.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EnvelopeClient, SocketIoV4Client, WsClient } from '../helpers/clients';
import { Client09, Transport09 } from '../helpers/legacy-client';
import { startBridgeProcess, NodeProcess } from '../helpers/cluster-nodes';
import { AMQP_URL, KazooPublisher } from '../helpers/kazoo';
import { newAccountId, newCallId, newToken } from '../helpers/ids';
import { pollUntil } from '../helpers/wait';

jest.setTimeout(120_000);

const ADMIN = `admin-${newToken()}`;
const token = newToken();
const accountId = newAccountId();
const BINDING = 'call.CHANNEL_CREATE.*';
let dir: string;
let machine: NodeProcess;
let kazoo: KazooPublisher;
const envelopeClients: Array<{ label: string; client: EnvelopeClient; worker: number }> = [];
const legacyClients: Array<{ label: string; client: Client09; worker: number }> = [];

/** The worker a session id names (`w1_…` → 1). */
function workerOf(sid: string): number {
  const m = /^w(\d+)_/.exec(sid);
  if (!m) throw new Error(`session id ${sid} carries no worker prefix`);
  return Number(m[1]);
}

async function getJson(pathname: string, headers: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(machine.url + pathname, { headers });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eh-workers-'));
  const tokensFile = path.join(dir, 'tokens.json');
  fs.writeFileSync(tokensFile, JSON.stringify({ tokens: { [token]: { account_id: accountId, descendants: [] } } }));
  const env: NodeJS.ProcessEnv = { ...process.env, EH_WORKERS: '2', EH_AMQP_URL: AMQP_URL, EH_TOKENS_FILE: tokensFile, EH_ADMIN_TOKEN: ADMIN, EH_LOG_LEVEL: 'info', EH_CLUSTER_HEARTBEAT_MS: '300' };
  delete env['EH_REDIS_URL'];
  machine = await startBridgeProcess(env, 60_000);
  kazoo = await KazooPublisher.connect();
  // Opened one after another, so the primary's round-robin spreads the sessions over both workers.
  for (let i = 0; i < 2; i++) {
    const ws = await WsClient.connect(machine.url.replace(/^http/, 'ws') + '/');
    const sio = await SocketIoV4Client.connect(machine.url, ['polling']);
    envelopeClients.push({ label: `websocket ${i}`, client: ws, worker: -1 });
    envelopeClients.push({ label: `socket.io v4 polling ${i}`, client: sio, worker: workerOf(sio.socket.io.engine.id ?? '') });
    for (const transport of ['websocket', 'xhr-polling'] as Transport09[]) {
      const c = Client09.open(machine.url, transport);
      await c.connected;
      legacyClients.push({ label: `0.9 ${transport} ${i}`, client: c, worker: workerOf(c.socket.socket.sessionid) });
    }
  }
  // Every subscribe is answered within the bind timeout: each worker served before the port opened.
  for (const { client } of envelopeClients) expect((await client.subscribe(token, accountId, BINDING)).status).toBe('success');
  for (const { client } of legacyClients) {
    client.socket.emit('subscribe', { account_id: accountId, auth_token: token, binding: BINDING });
    await client.waitNamed('message', (d) => (d as { action?: string }).action === 'reply');
  }
});

afterAll(async () => {
  for (const { client } of envelopeClients) await client.close();
  for (const { client } of legacyClients) client.close();
  await kazoo?.close();
  if (process.env['EH_TEST_KEEP_OUTPUT']) fs.writeFileSync(process.env['EH_TEST_KEEP_OUTPUT'], machine.output.text);
  await machine?.kill('SIGTERM');
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Publishes `n` call events and a last marker; every client must get each exactly once, in order. */
async function publishAndCheck(envelopes: typeof envelopeClients, legacy: typeof legacyClients, n = 3): Promise<void> {
  const callIds = Array.from({ length: n + 1 }, () => newCallId());
  const envelopeFrom = envelopes.map((e) => e.client.events().length);
  const legacyFrom = legacy.map((l) => l.client.named('CHANNEL_CREATE').length);
  for (const callId of callIds) await kazoo.call('CHANNEL_CREATE', accountId, callId);
  const marker = callIds[n]!;
  for (const [i, { label, client }] of envelopes.entries()) {
    await pollUntil(`${label} to get the marker`, () => (client.events().slice(envelopeFrom[i]).some((e) => e.data['call_id'] === marker) ? true : undefined), 20_000);
    expect({ label, got: client.events().slice(envelopeFrom[i]).map((e) => e.data['call_id']) }).toEqual({ label, got: callIds });
  }
  const callIdOf = (d: unknown) => (d as { 'Call-ID'?: string })['Call-ID'];
  for (const [i, { label, client }] of legacy.entries()) {
    await pollUntil(`${label} to get the marker`, () => (client.named('CHANNEL_CREATE').slice(legacyFrom[i]).some((d) => callIdOf(d) === marker) ? true : undefined), 20_000);
    expect({ label, got: client.named('CHANNEL_CREATE').slice(legacyFrom[i]).map(callIdOf) }).toEqual({ label, got: callIds });
  }
}

it('spreads sessions over both workers, each session id naming its worker', () => {
  const workers = new Set([...envelopeClients, ...legacyClients].filter((c) => c.worker >= 0).map((c) => c.worker));
  expect([...workers].sort()).toEqual([0, 1]);
});

it('delivers every event exactly once to seed 000, seed 002 (websocket, xhr-polling) and Socket.IO v4 polling clients', async () => {
  await publishAndCheck(envelopeClients, legacyClients);
});

it('answers the first request of every fresh connection: the primary reads nothing more once it hands a socket over', async () => {
  // A WebSocket's first frame follows the worker's 101 at once, while the primary may still hold its copy of the socket.
  const firstRequestAnswered = async (): Promise<boolean> => {
    const client = await WsClient.connect(machine.url.replace(/^http/, 'ws') + '/');
    const answered = await client.request({ action: 'ping' }, 5000).then(() => true, () => false);
    client.socket.terminate();
    return answered;
  };
  let unanswered = 0;
  for (let i = 0; i < 1200; i += 40) unanswered += (await Promise.all(Array.from({ length: 40 }, () => firstRequestAnswered()))).filter((ok) => !ok).length;
  expect(unanswered).toBe(0);
});

it('answers /readyz and /metrics for the whole machine; stats and the connection directory count both workers', async () => {
  const ready = await getJson('/readyz');
  expect(ready.status).toBe(200);
  expect(ready.body).toMatchObject({ status: 'ready', rabbitmq: 'ok', workers_ready: '2/2', amqp_reconnects: expect.any(Number), redis: 'off', redis_detail: 'not configured (the workers of one machine)' });
  const perWorker = ready.body['workers'] as Array<Record<string, unknown>>;
  expect(perWorker.map((w) => w['redis'])).toEqual(['off', 'off']);
  const metrics = await (await fetch(machine.url + '/metrics')).text();
  const connections = /^eh_connections(?:\{[^}]*\})? (\d+)/m;
  expect(metrics).toMatch(connections);
  const stats = await pollUntil('stats from both workers', async () => {
    const { body } = await getJson('/api/stats', { Authorization: `Bearer ${ADMIN}` });
    const data = body['data'] as Record<string, unknown> | undefined;
    return data?.['nodes'] === 2 ? data : undefined;
  }, 20_000);
  expect(stats).toMatchObject({ scope: 'cluster' });
  // The connection directory (console, /api/sockets) asks the sibling worker too.
  const { body } = await getJson(`/api/sockets?account_id=${accountId}`, { Authorization: `Bearer ${ADMIN}` });
  const directory = body['data'] as { connections: Array<{ node: string }>; connections_total: number; connections_scope: string };
  expect(directory.connections_scope).toBe('cluster');
  expect(directory.connections_total).toBe(envelopeClients.length + legacyClients.length);
  expect(new Set(directory.connections.map((c) => /-w(\d+)-/.exec(c.node)?.[1]))).toEqual(new Set(['0', '1']));
});

it('restarts a SIGKILLed worker; its clients are cut, the other worker\'s clients keep every event', async () => {
  const pids = [...machine.output.text.matchAll(/"worker":(\d+),"pid":(\d+),"msg":"worker serving"/g)].map((m) => ({ worker: Number(m[1]), pid: Number(m[2]) }));
  const victim = pids.find((p) => p.worker === 1)!;
  expect(victim).toBeDefined();
  const servingBefore = machine.output.count(/"msg":"worker serving"/);
  process.kill(victim.pid, 'SIGKILL');
  await machine.output.waitFor('the primary to notice', /worker exited; its clients reconnect/, 20_000);
  await pollUntil('worker 1 to serve again', () => (machine.output.count(/"msg":"worker serving"/) > servingBefore ? true : undefined), 60_000);
  const survivors = legacyClients.filter((c) => c.worker === 0);
  const sioSurvivors = envelopeClients.filter((c) => c.worker === 0);
  expect(survivors.length + sioSurvivors.length).toBeGreaterThan(0);
  await publishAndCheck(sioSurvivors, survivors);
  // A new client (as the cut ones do when they reconnect) is served, by either worker.
  const again = await WsClient.connect(machine.url.replace(/^http/, 'ws') + '/');
  envelopeClients.push({ label: 'reconnected websocket', client: again, worker: -1 });
  expect((await again.subscribe(token, accountId, BINDING)).status).toBe('success');
  await publishAndCheck([envelopeClients.at(-1)!], [], 1);
});

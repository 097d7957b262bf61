// Missed-event recovery across nodes, with real bridge processes behind scripts/round-robin-proxy.ts:
// a raw WebSocket client (`resume`) and a Socket.IO v4 client (connection-state recovery) reconnect
// through the proxy to the OTHER node and get every one of 1,000 events published while they were away,
// in order, once, and no event of another account; clients of a node killed with SIGKILL resume on the
// survivor; a Socket.IO 0.9 client whose session id the node does not know is told to handshake again.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { createClient } from 'redis';
import { io as ioV4, Socket } from 'socket.io-client';
import { WsClient, EventMessage } from '../helpers/clients';
import { KazooPublisher } from '../helpers/kazoo';
import { newCallId } from '../helpers/ids';
import { pollUntil } from '../helpers/wait';
import { callTallyV4 } from '../helpers/call-tally-v4';
import { NodeProcess, PrivateRedis, TestCluster } from '../helpers/cluster-nodes';
import { handshake, RawLegacySocket } from '../helpers/legacy-raw';
import { RoundRobinProxy } from '../../scripts/round-robin-proxy';
import { TcpProxy } from '../helpers/tcp-proxy';

jest.setTimeout(90_000);

const BINDING = 'call.CHANNEL_CREATE.*';
const prefix = `eh-test-${randomBytes(4).toString('hex')}`;
const AWAY = 1000;

let redis: PrivateRedis;
let cluster: TestCluster;
let kazoo: KazooPublisher;
let nodeA: NodeProcess;
let nodeB: NodeProcess;
/** Accounts with tokens, made before the nodes start (so every node knows them at once). */
const ids: Array<{ token: string; accountId: string }> = [];
const closers: Array<() => unknown> = [];

beforeAll(async () => {
  redis = await PrivateRedis.start();
  cluster = TestCluster.prepare({ redisUrl: redis.url, prefix, adminToken: `admin-${randomBytes(8).toString('hex')}`, env: { EH_RECOVERY_WINDOW_MS: '60000' } });
  for (let i = 0; i < 8; i++) ids.push(cluster.addIdentity());
  kazoo = await KazooPublisher.connect();
  [nodeA, nodeB] = await cluster.startNodes(2);
}, 60_000);

afterAll(async () => {
  for (const close of closers.reverse()) await Promise.resolve(close()).catch(() => undefined);
  await kazoo?.close();
  await cluster?.stop();
  await redis?.stop();
});

async function proxyTo(...nodes: NodeProcess[]): Promise<RoundRobinProxy> {
  const proxy = await RoundRobinProxy.start(0, nodes.map((n) => n.port));
  closers.push(() => proxy.close());
  return proxy;
}

async function ws(url: string): Promise<WsClient> {
  const c = await WsClient.connect(url.replace('http', 'ws') + '/');
  closers.push(() => c.close());
  return c;
}

/** How many connections of the account the cluster lists (parked ones are not listed). */
async function listed(node: NodeProcess, id: { token: string; accountId: string }): Promise<number> {
  const res = await fetch(`${node.url}/v2/accounts/${id.accountId}/websockets`, { headers: { 'X-Auth-Token': id.token } });
  return ((await res.json()) as { data: unknown[] }).data.length;
}

/** Publishes events numbered `from`…`to` of one call, and `noise` events of another account in between. */
async function publish(accountId: string, callId: string, from: number, to: number, noise?: { accountId: string; callId: string }): Promise<void> {
  for (let seq = from; seq <= to; seq++) {
    await kazoo.call('CHANNEL_CREATE', accountId, callId, { Seq: seq });
    if (noise && seq % 10 === 0) await kazoo.call('CHANNEL_CREATE', noise.accountId, noise.callId, { Seq: seq });
  }
}

const seqs = (events: EventMessage[], callId: string) => events.filter((e) => e.data['call_id'] === callId).map((e) => e.data['seq'] as number);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('through the round-robin proxy, to the other node', () => {
  it('a raw WebSocket client resumes there and gets all 1,000 missed events in order, once, and none of another account', async () => {
    const [id, stranger] = [ids[0]!, ids[1]!];
    const callId = newCallId();
    const strangerCall = newCallId();
    const proxy = await proxyTo(nodeA, nodeB);
    const viaProxy = `http://127.0.0.1:${proxy.port}`;
    // Live clients of both accounts on node B: it routes the same events, so both nodes write them.
    const witness = await ws(nodeB.url);
    await witness.subscribe(id.token, id.accountId, BINDING);
    const strangerWitness = await ws(nodeA.url);
    await strangerWitness.subscribe(stranger.token, stranger.accountId, BINDING);

    const first = await ws(viaProxy);
    expect(proxy.counts.get(nodeA.port)).toBe(1);
    const token = (await first.subscribe(id.token, id.accountId, BINDING)).data['resume_token'] as string;
    await publish(id.accountId, callId, 0, 0);
    await first.waitEvents('the first event', (e) => e.data['call_id'] === callId);
    first.socket.terminate();
    await pollUntil('node A to see the connection gone', async () => ((await listed(nodeB, id)) === 1 ? true : undefined), 10_000, 100);

    await publish(id.accountId, callId, 1, AWAY, { accountId: stranger.accountId, callId: strangerCall });
    await witness.waitEvents('every event at the witness', (e) => e.data['call_id'] === callId, AWAY + 1, 30_000);

    const second = await ws(viaProxy);
    expect(proxy.counts.get(nodeB.port)).toBe(1);
    const resumed = await second.request({ action: 'resume', auth_token: id.token, data: { resume_token: token } }, 15_000);
    expect(resumed.status).toBe('success');
    expect(resumed.data).toMatchObject({ subscribed: [BINDING], recovered: true, missed: AWAY });
    await publish(id.accountId, callId, AWAY + 1, AWAY + 1);
    const got = await second.waitEvents('the missed events and one live', (e) => e.data['call_id'] === callId, AWAY + 1, 30_000);
    expect(seqs(got, callId)).toEqual(range(1, AWAY + 1));
    // Nothing after the live one: no duplicate arrived late; and no event of the other account at all.
    await publish(id.accountId, callId, AWAY + 2, AWAY + 2);
    await second.waitEvents('the last event', (e) => e.data['seq'] === AWAY + 2);
    expect(seqs(second.events(), callId)).toEqual(range(1, AWAY + 2));
    expect(second.events((e) => e.data['call_id'] === strangerCall || e.data['account_id'] === stranger.accountId)).toEqual([]);
    // The token was used: no other node hands it out again.
    const third = await ws(nodeA.url);
    expect((await third.request({ action: 'resume', auth_token: id.token, data: { resume_token: token } })).data.errors).toEqual(['resume token unknown or expired: subscribe again']);
  });

  it('a Socket.IO v4 client recovers its connection state there with all 1,000 missed events in order, once', async () => {
    const id = ids[2]!;
    const callId = newCallId();
    const proxy = await proxyTo(nodeA, nodeB);
    const witness = await ws(nodeB.url);
    await witness.subscribe(id.token, id.accountId, BINDING);
    const { socket, named, messages } = await callTallyV4(`http://127.0.0.1:${proxy.port}`, callId);
    closers.push(() => socket.close());
    expect(proxy.counts.get(nodeA.port)).toBe(1);
    expect(await socket.emitWithAck('subscribe', { account_id: id.accountId, auth_token: id.token, binding: BINDING })).toMatchObject({ status: 'success' });
    await publish(id.accountId, callId, 0, 0);
    await pollUntil('the first event', () => (messages.length === 1 && named.length === 1 ? true : undefined));

    socket.io.reconnection(false);
    socket.io.engine.close();
    await pollUntil('node A to see the transport gone', async () => ((await listed(nodeB, id)) === 1 ? true : undefined), 10_000, 100);
    await publish(id.accountId, callId, 1, AWAY);
    await witness.waitEvents('every event at the witness', (e) => e.data['call_id'] === callId, AWAY + 1, 30_000);

    const reconnected = new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.io.reconnection(true);
    socket.connect();
    await reconnected;
    expect(proxy.counts.get(nodeB.port)).toBe(1);
    expect(socket.recovered).toBe(true);
    await publish(id.accountId, callId, AWAY + 1, AWAY + 1);
    await pollUntil('every event, missed and live', () => (messages.length >= AWAY + 2 && named.length >= AWAY + 2 ? true : undefined), 30_000);
    await publish(id.accountId, callId, AWAY + 2, AWAY + 2);
    await pollUntil('the last event', () => (messages.includes(AWAY + 2) && named.includes(AWAY + 2) ? true : undefined), 10_000);
    expect(messages).toEqual(range(0, AWAY + 2));
    expect(named).toEqual(range(0, AWAY + 2));
  });

  it('tells a Socket.IO 0.9 client whose session id this node does not know to handshake again', async () => {
    const sid = await handshake(nodeA.url);
    const elsewhere = await RawLegacySocket.open(nodeB.url, sid);
    closers.push(() => elsewhere.socket.close());
    expect(await elsewhere.inbox.wait('the error packet', (i) => i.name === 'frame', 5000).then((i) => i.data)).toBe('7:::1+0');
    // A fresh handshake on this node is served as usual.
    const fresh = await RawLegacySocket.open(nodeB.url, await handshake(nodeB.url));
    closers.push(() => fresh.socket.close());
    expect(await fresh.inbox.wait('the connect packet', (i) => i.name === 'frame', 5000).then((i) => i.data)).toBe('1::');
  });
});

it('clients of a node killed with SIGKILL resume on the survivor: nothing lost, nothing twice', async () => {
  const victim = await cluster.addNode();
  const id = ids[3]!;
  const callId = newCallId();
  // One proxy per client: each one's first connection goes to the victim, the next to the survivor.
  const rawProxy = await proxyTo(victim, nodeB);
  const sioProxy = await proxyTo(victim, nodeB);
  const witness = await ws(nodeB.url);
  await witness.subscribe(id.token, id.accountId, BINDING);

  const raw = await ws(`http://127.0.0.1:${rawProxy.port}`);
  const token = (await raw.subscribe(id.token, id.accountId, BINDING)).data['resume_token'] as string;
  const socket: Socket = ioV4(`http://127.0.0.1:${sioProxy.port}`, { transports: ['websocket'], forceNew: true, reconnectionDelay: 100, reconnectionDelayMax: 200 });
  closers.push(() => socket.close());
  const messages: number[] = [];
  socket.on('message', (m: { action?: string; data?: { call_id?: string; seq: number } }) => m.action === 'event' && m.data?.call_id === callId && messages.push(m.data.seq));
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  expect([rawProxy.counts.get(victim.port), sioProxy.counts.get(victim.port)]).toEqual([1, 1]);
  expect(await socket.emitWithAck('subscribe', { account_id: id.accountId, auth_token: id.token, binding: BINDING })).toMatchObject({ status: 'success' });
  await publish(id.accountId, callId, 1, 10);
  await raw.waitEvents('the first events', (e) => e.data['call_id'] === callId, 10);
  await pollUntil('the first events at the Socket.IO client', () => (messages.length === 10 ? true : undefined));

  // A raw WebSocket resume after a crash starts at the dead node's last appended position: make sure its
  // append of the 10th event reached Redis (else that event would rightly come again, see OPERATIONS.md).
  const redisClient = createClient({ url: redis.url });
  await redisClient.connect();
  try {
    await pollUntil('both nodes to have appended the 10th event', async () => {
      const last = (await redisClient.xRevRange(`${prefix}:hist:${id.accountId}`, '+', '-', { COUNT: 1 }))[0]?.id;
      const keys = await redisClient.keys(`${prefix}:hpos:*`);
      const seen = (await Promise.all(keys.map((k) => redisClient.hGet(k, id.accountId)))).filter((v) => v !== null && v !== undefined);
      return last !== undefined && seen.length === 2 && seen.every((v) => v === last) ? true : undefined;
    }, 10_000, 50);
  } finally {
    await redisClient.close();
  }
  socket.io.reconnection(false);
  expect(await victim.kill('SIGKILL')).toBe(137);
  await publish(id.accountId, callId, 11, 10 + AWAY);
  await witness.waitEvents('every event at the witness', (e) => e.data['call_id'] === callId, 10 + AWAY, 30_000);

  const back = await ws(`http://127.0.0.1:${rawProxy.port}`);
  const resumed = await back.request({ action: 'resume', auth_token: id.token, data: { resume_token: token } }, 15_000);
  expect(resumed.data).toMatchObject({ subscribed: [BINDING], recovered: true, missed: AWAY });
  const reconnected = new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  socket.io.reconnection(true);
  socket.connect();
  await reconnected;
  expect(socket.recovered).toBe(true);
  await publish(id.accountId, callId, 11 + AWAY, 11 + AWAY);
  await back.waitEvents('the missed events and one live', (e) => e.data['call_id'] === callId, AWAY + 1, 30_000);
  await pollUntil('every event at the Socket.IO client', () => (messages.includes(11 + AWAY) ? true : undefined), 30_000);
  expect(seqs(back.events(), callId)).toEqual(range(11, 11 + AWAY));
  expect(messages).toEqual(range(1, 11 + AWAY));
});

it('a client of a node stopped with SIGTERM resumes on another one, told recovered: false when no node held its rooms meanwhile', async () => {
  const leaving = await cluster.addNode();
  const id = ids[4]!;
  const callId = newCallId();
  const proxy = await proxyTo(leaving, nodeB);
  const first = await ws(`http://127.0.0.1:${proxy.port}`);
  const token = (await first.subscribe(id.token, id.accountId, BINDING)).data['resume_token'] as string;
  await publish(id.accountId, callId, 1, 3);
  await first.waitEvents('the first events', (e) => e.data['call_id'] === callId, 3);
  expect(await leaving.kill('SIGTERM')).toBe(0);
  expect(await first.ended()).toMatchObject({ code: 1001 });

  const back = await ws(`http://127.0.0.1:${proxy.port}`);
  const resumed = await back.request({ action: 'resume', auth_token: id.token, data: { resume_token: token } }, 15_000);
  // Its subscriptions come back; what was published while no node held them cannot be vouched for.
  expect(resumed.data).toMatchObject({ subscribed: [BINDING], recovered: false, missed: 0 });
  await publish(id.accountId, callId, 4, 4);
  await back.waitEvents('the next event, live', (e) => e.data['call_id'] === callId && e.data['seq'] === 4);
  expect(seqs(back.events(), callId)).toEqual([4]);
});

/** A v4 client on `url` subscribed to the binding, counting the `message` events of one call. */
async function v4Client(url: string, id: { token: string; accountId: string }, callId: string): Promise<{ socket: Socket; messages: number[] }> {
  const socket: Socket = ioV4(url, { transports: ['websocket'], forceNew: true, reconnectionDelay: 100, reconnectionDelayMax: 200 });
  closers.push(() => socket.close());
  const messages: number[] = [];
  socket.on('message', (m: { action?: string; data?: { call_id?: string; seq: number } }) => m.action === 'event' && m.data?.call_id === callId && messages.push(m.data.seq));
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  expect(await socket.emitWithAck('subscribe', { account_id: id.accountId, auth_token: id.token, binding: BINDING })).toMatchObject({ status: 'success' });
  return { socket, messages };
}

/** Drops the client's transport and keeps it away until `reconnect` is called. */
async function dropV4(socket: Socket, node: NodeProcess, id: { token: string; accountId: string }, stillListed: number): Promise<() => Promise<void>> {
  socket.io.reconnection(false);
  socket.io.engine.close();
  await pollUntil('the server to see the transport gone', async () => ((await listed(node, id)) === stillListed ? true : undefined), 10_000, 100);
  return async () => {
    const reconnected = new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.io.reconnection(true);
    socket.connect();
    await reconnected;
  };
}

it('a Socket.IO v4 client reconnecting to the same node in cluster mode recovers from the shared history too', async () => {
  const id = ids[5]!;
  const callId = newCallId();
  const { socket, messages } = await v4Client(nodeA.url, id, callId);
  await publish(id.accountId, callId, 0, 0);
  await pollUntil('the first event', () => (messages.length === 1 ? true : undefined));
  const reconnect = await dropV4(socket, nodeA, id, 0);
  await publish(id.accountId, callId, 1, 200);
  await reconnect();
  expect(socket.recovered).toBe(true);
  await publish(id.accountId, callId, 201, 201);
  await pollUntil('every event', () => (messages.includes(201) ? true : undefined), 20_000);
  expect(messages).toEqual(range(0, 201));
});

it('does not recover a Socket.IO v4 session on another node once its token was revoked', async () => {
  const id = ids[6]!;
  const callId = newCallId();
  const proxy = await proxyTo(nodeA, nodeB);
  const { socket, messages } = await v4Client(`http://127.0.0.1:${proxy.port}`, id, callId);
  await publish(id.accountId, callId, 0, 0);
  await pollUntil('the first event', () => (messages.length === 1 ? true : undefined));
  const reconnect = await dropV4(socket, nodeA, id, 0);
  // The token leaves the tokens file: every node refuses it from its next reload on.
  const file = JSON.parse(fs.readFileSync(cluster.tokensFile, 'utf8')) as { tokens: Record<string, unknown> };
  delete file.tokens[id.token];
  fs.writeFileSync(cluster.tokensFile, JSON.stringify(file));
  await pollUntil('node B to refuse the token', async () => {
    const probe = await ws(nodeB.url);
    const refused = (await probe.request({ action: 'ping', auth_token: id.token })).status === 'error';
    await probe.close();
    return refused ? true : undefined;
  }, 10_000, 200);
  await publish(id.accountId, callId, 1, 5);
  await reconnect();
  expect(proxy.counts.get(nodeB.port)).toBe(1);
  expect(socket.recovered).toBe(false);
  expect(messages).toEqual([0]);
});

it('a resume elsewhere after its node lost Redis for a while answers recovered: false (the outage\'s events are not in the history)', async () => {
  const redisProxy = await TcpProxy.start(redis.port);
  closers.push(() => redisProxy.close());
  const cut = await cluster.addNode({ EH_REDIS_URL: `redis://127.0.0.1:${redisProxy.port}` });
  const id = ids[7]!;
  const callId = newCallId();
  const first = await ws(cut.url);
  const token = (await first.subscribe(id.token, id.accountId, BINDING)).data['resume_token'] as string;
  await publish(id.accountId, callId, 1, 1);
  await first.waitEvents('the first event', (e) => e.data['call_id'] === callId);
  first.socket.terminate();
  await pollUntil('the node to see the connection gone', async () => ((await listed(cut, id)) === 0 ? true : undefined), 10_000, 100);

  const mark = cut.output.text.length;
  redisProxy.setRefusing(true);
  redisProxy.cutAll();
  await cut.output.waitFor('the outage log line', /Redis unreachable/, 10_000, mark);
  await publish(id.accountId, callId, 2, 4);
  redisProxy.setRefusing(false);
  await cut.output.waitFor('the recovery log line', /Redis reachable again/, 15_000, mark);
  const redisClient = createClient({ url: redis.url });
  await redisClient.connect();
  try {
    await pollUntil('the gap to be marked', async () => ((await redisClient.zCard(`${prefix}:hgaps`)) > 0 ? true : undefined), 10_000, 50);
  } finally {
    await redisClient.close();
  }
  const back = await ws(nodeB.url);
  const resumed = await back.request({ action: 'resume', auth_token: id.token, data: { resume_token: token } }, 15_000);
  expect(resumed.data).toMatchObject({ subscribed: [BINDING], recovered: false });
});

// Three real bridge processes sharing RabbitMQ and a Redis the test owns: every client gets every
// event exactly once whichever node it is on, broadcasts and stats span the nodes, a node killed with
// SIGKILL disturbs no one else, and a Redis restart degrades to local delivery and recovers by itself.
import { randomBytes } from 'node:crypto';
import { connectClient, EnvelopeClient, Generation, SocketIoV4Client, WsClient } from '../helpers/clients';
import { Client09 } from '../helpers/legacy-client';
import { KazooPublisher } from '../helpers/kazoo';
import { newCallId } from '../helpers/ids';
import { pollUntil } from '../helpers/wait';
import { NodeProcess, PrivateRedis, TestCluster } from '../helpers/cluster-nodes';
import { RoundRobinProxy } from '../../scripts/round-robin-proxy';
import type { ClusterStats } from '../../src/cluster/node-stats';
import type { BroadcastResult } from '../../src/cluster/broadcast';
import type { SocketView } from '../../src/cluster/admin-api';

jest.setTimeout(40000);

const ADMIN = `admin-${randomBytes(12).toString('hex')}`;
const BINDING = 'call.CHANNEL_CREATE.*';

interface SeenEvent {
  routing_key: string;
  name?: string;
  data: Record<string, unknown>;
}

/** One client of any generation, on a known node, read the same way. */
interface Probe {
  label: string;
  node: NodeProcess;
  events(): SeenEvent[];
  waitEvent(what: string, pred: (e: SeenEvent) => boolean, timeoutMs?: number): Promise<unknown>;
  close(): Promise<void>;
}

let redis: PrivateRedis;
let cluster: TestCluster;
let kazoo: KazooPublisher;
let identity: { token: string; accountId: string };
/** An account with a token and no connections. */
let stranger: { token: string; accountId: string };
const probes: Probe[] = [];
const extraClosers: Array<() => Promise<void> | void> = [];

function envelopeProbe(client: EnvelopeClient, node: NodeProcess): Probe {
  return {
    label: `${client.generation}@${node.port}`,
    node,
    events: () => client.events(),
    waitEvent: (what, pred, timeoutMs = 8000) => client.waitEvents(what, pred, 1, timeoutMs),
    close: () => client.close(),
  };
}

function isEvent(d: unknown): d is SeenEvent {
  return d !== null && typeof d === 'object' && (d as { action?: string }).action === 'event';
}

async function probe09(node: NodeProcess): Promise<Probe> {
  const c = Client09.open(node.url, 'websocket', { reconnect: false });
  await c.connected;
  const [reply] = await c.emitWithAck('subscribe', { account_id: identity.accountId, auth_token: identity.token, binding: BINDING });
  expect(reply).toMatchObject({ status: 'success' });
  return {
    label: `socketio-0.9@${node.port}`,
    node,
    events: () => c.named('message').filter(isEvent),
    waitEvent: (_what, pred, timeoutMs = 8000) => c.waitNamed('message', (d) => isEvent(d) && pred(d), timeoutMs),
    close: async () => c.close(),
  };
}

async function probe(generation: Generation | '0.9', node: NodeProcess, baseUrl = node.url): Promise<Probe> {
  if (generation === '0.9') return probe09(node);
  const client = await connectClient(generation, baseUrl);
  const reply = await client.subscribe(identity.token, identity.accountId, BINDING);
  expect(reply.status).toBe('success');
  return envelopeProbe(client, node);
}

/** Publishes `n` call events for the account, then a sentinel, and waits for the sentinel at every probe. */
async function stream(n: number, receivers: Probe[], midway?: () => Promise<void>): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const id = newCallId();
    ids.push(id);
    await kazoo.call('CHANNEL_CREATE', identity.accountId, id);
    if (midway && i === Math.floor(n / 3)) await midway();
  }
  const sentinel = newCallId();
  await kazoo.call('CHANNEL_CREATE', identity.accountId, sentinel);
  await Promise.all(receivers.map((p) => p.waitEvent(`the sentinel at ${p.label}`, (e) => e.data['call_id'] === sentinel)));
  return ids;
}

/** How many times each id reached a probe: every value must be 1. */
function timesSeen(p: Probe, ids: string[]): number[] {
  const wanted = new Set(ids);
  const counts = new Map(ids.map((id) => [id, 0]));
  for (const e of p.events()) {
    const id = e.data['call_id'] as string;
    if (wanted.has(id)) counts.set(id, counts.get(id)! + 1);
  }
  return [...counts.values()];
}

function expectExactlyOnce(receivers: Probe[], ids: string[]): void {
  for (const p of receivers) expect({ probe: p.label, counts: timesSeen(p, ids) }).toEqual({ probe: p.label, counts: ids.map(() => 1) });
}

async function admin<T = ClusterStats>(node: NodeProcess, path: string, body?: unknown): Promise<{ status: number; json: { data: T } }> {
  const res = await fetch(`${node.url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { Authorization: `Bearer ${ADMIN}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as { data: T } };
}

beforeAll(async () => {
  redis = await PrivateRedis.start();
  cluster = TestCluster.prepare({ redisUrl: redis.url, prefix: `eh-test-${randomBytes(4).toString('hex')}`, adminToken: ADMIN });
  identity = cluster.addIdentity();
  stranger = cluster.addIdentity();
  kazoo = await KazooPublisher.connect();
  const nodes = await cluster.startNodes(3);
  for (const node of nodes) {
    for (const generation of ['websocket', 'socketio-v4', 'socketio-v2', '0.9'] as const) probes.push(await probe(generation, node));
  }
}, 60000);

afterAll(async () => {
  await Promise.allSettled([...probes, ...extraClosers.map((close) => ({ close }))].map((p) => p.close()));
  await kazoo?.close();
  await cluster?.stop();
  await redis?.stop();
});

it('delivers each event exactly once to every client, whichever node and generation', async () => {
  const ids = await stream(20, probes);
  expectExactlyOnce(probes, ids);
  expect(probes).toHaveLength(12);
});

it('counts connections and subscriptions per node and per account, adding up across the cluster', async () => {
  const stats = await pollUntil('cluster stats of 3 nodes and 12 subscriptions', async () => {
    const { data } = (await admin(cluster.nodes[1]!, `/api/stats?account_id=${identity.accountId}`)).json;
    return data.nodes === 3 && data.accounts[identity.accountId]?.subscriptions === 12 && data.perNode.every((n) => n.connections === 4) ? data : undefined;
  }, 8000, 100);
  expect(stats.scope).toBe('cluster');
  expect(stats.connections).toBe(12);
  expect(stats.accounts[identity.accountId]).toEqual({ connections: 12, subscriptions: 12 });
  expect(stats.byGeneration).toEqual({ websocket: 3, socketio: 6, 'socketio-legacy': 3 });
  expect(stats.perNode.map((n) => n.url).sort()).toEqual(cluster.nodes.map((n) => n.url).sort());
  expect(stats.perNode.reduce((sum, n) => sum + n.accounts[identity.accountId]!.subscriptions, 0)).toBe(12);
});

it('lists the Socket.IO members of a room on every node through fetchSockets()', async () => {
  const room = encodeURIComponent(`${identity.accountId}/${BINDING}`);
  const { status, json } = await admin<{ scope: string; count: number; sockets: SocketView[] }>(cluster.nodes[2]!, `/api/sockets?room=${room}`);
  expect(status).toBe(200);
  expect(json.data.scope).toBe('cluster');
  expect(json.data.count).toBe(6);
  expect(new Set(json.data.sockets.map((s) => s.node)).size).toBe(3);
});

it('lists an account\'s connections on every node through the websockets API of any node', async () => {
  type View = { websocket_session_id: string; node: string; bindings: string[]; transport: string };
  const list = async (node: NodeProcess, path: string) => {
    const res = await fetch(`${node.url}${path}`, { headers: { 'X-Auth-Token': identity.token } });
    return { status: res.status, body: (await res.json()) as { data: unknown } };
  };
  const { status, body } = await list(cluster.nodes[0]!, `/v2/accounts/${identity.accountId}/websockets`);
  expect(status).toBe(200);
  const views = body.data as View[];
  expect(views).toHaveLength(12);
  expect(new Set(views.map((v) => v.node)).size).toBe(3);
  expect(views.every((v) => v.bindings.length === 1 && v.bindings[0] === BINDING)).toBe(true);
  // One connection held by another node, asked for by its id on this one.
  const remote = views.find((v) => v.node !== views[0]!.node && v.transport === 'websocket')!;
  const one = await list(cluster.nodes[0]!, `/v2/accounts/${identity.accountId}/websockets/${remote.websocket_session_id}`);
  expect(one.status).toBe(200);
  expect(one.body.data).toEqual(expect.objectContaining({ websocket_session_id: remote.websocket_session_id, node: remote.node }));
  // Another account sees none of them, on any node.
  const none = await fetch(`${cluster.nodes[1]!.url}/v2/accounts/${stranger.accountId}/websockets`, { headers: { 'X-Auth-Token': stranger.token } });
  expect(none.status).toBe(200);
  expect(((await none.json()) as { data: unknown }).data).toEqual([]);
});

it('broadcasts from one node to the room members on every node, each once', async () => {
  const first = { id: randomBytes(4).toString('hex') };
  const { status, json } = await admin<BroadcastResult>(cluster.nodes[0]!, '/api/broadcast', { account_id: identity.accountId, binding: BINDING, event: 'maintenance', data: first });
  expect(status).toBe(200);
  expect(json.data).toMatchObject({ room: `${identity.accountId}/${BINDING}`, event: 'maintenance', members: 12 });
  expect(json.data.nodes).toHaveLength(3);
  // A second broadcast on the same path is the sentinel: once it is in, a duplicate of the first would be too.
  const second = { id: 'sentinel' };
  await admin(cluster.nodes[0]!, '/api/broadcast', { room: `${identity.accountId}/${BINDING}`, event: 'maintenance', data: second });
  await Promise.all(probes.map((p) => p.waitEvent(`the second broadcast at ${p.label}`, (e) => e.routing_key === 'broadcast' && e.data['id'] === 'sentinel')));
  for (const p of probes) {
    const got = p.events().filter((e) => e.routing_key === 'broadcast' && e.data['id'] === first.id);
    expect({ probe: p.label, got: got.length, name: got[0]?.name }).toEqual({ probe: p.label, got: 1, name: 'maintenance' });
  }
});

it('serves WebSocket-only clients through a round-robin proxy with no stickiness', async () => {
  const proxy = await RoundRobinProxy.start(0, cluster.nodes.map((n) => n.port));
  extraClosers.push(() => proxy.close());
  const viaProxy = `http://127.0.0.1:${proxy.port}`;
  const clients: EnvelopeClient[] = [];
  for (let i = 0; i < 6; i++) {
    const c = i % 2 === 0 ? await WsClient.connect(viaProxy.replace('http', 'ws') + '/') : await SocketIoV4Client.connect(viaProxy, ['websocket']);
    clients.push(c);
    extraClosers.push(() => c.close());
    expect((await c.subscribe(identity.token, identity.accountId, BINDING)).status).toBe('success');
  }
  expect([...proxy.counts.values()]).toEqual([2, 2, 2]);
  const receivers = clients.map((c) => envelopeProbe(c, cluster.nodes[0]!));
  const ids = await stream(5, [...receivers, ...probes]);
  expectExactlyOnce([...receivers, ...probes], ids);
  await Promise.all(clients.map((c) => c.close()));
});

it('keeps serving when a node is killed mid-stream; its clients reconnect elsewhere and receive again', async () => {
  const victim = cluster.nodes[2]!;
  const survivors = probes.filter((p) => p.node !== victim);
  const ids = await stream(30, survivors, async () => {
    expect(await victim.kill('SIGKILL')).toBe(137);
  });
  expectExactlyOnce(survivors, ids);

  // The victim's clients come back on another node and, once subscribed again, receive again.
  const returned: Probe[] = [];
  for (const generation of ['websocket', 'socketio-v4', 'socketio-v2', '0.9'] as const) returned.push(await probe(generation, cluster.nodes[0]!));
  extraClosers.push(...returned.map((p) => () => p.close()));
  const after = await stream(5, [...survivors, ...returned]);
  expectExactlyOnce([...survivors, ...returned], after);

  // Its Redis state expires: no ghost counts.
  const stats = await pollUntil('the dead node to leave the stats', async () => {
    const { data } = (await admin(cluster.nodes[0]!, '/api/stats')).json;
    return data.nodes === 2 ? data : undefined;
  }, 5000, 100);
  expect(stats.connections).toBe(survivors.length + returned.length);
  await Promise.all(returned.map((p) => p.close()));
});

it('degrades to local delivery while Redis is down, logging it once, and recovers by itself', async () => {
  const running = cluster.alive;
  const marks = running.map((n) => n.output.text.length);
  await redis.kill();
  await Promise.all(running.map((n, i) => n.output.waitFor('the outage log line', /Redis unreachable/, 8000, marks[i])));
  // A node started during the outage serves locally, and joins the cluster once Redis is back.
  const late = await cluster.addNode();
  marks.push(0);
  const lateProbes = [await probe('websocket', late), await probe('socketio-v4', late)];
  probes.push(...lateProbes);
  const alive = cluster.alive;
  const receivers = probes.filter((p) => alive.includes(p.node));

  const during = await stream(10, receivers);
  expectExactlyOnce(receivers, during);
  const local = await admin<BroadcastResult>(alive[0]!, '/api/broadcast', { account_id: identity.accountId, binding: BINDING, event: 'notice', data: {} });
  expect(local.json.data.nodes).toHaveLength(1);
  expect(local.json.data.warning).toMatch(/Redis unreachable: only this node/);
  expect((await admin(alive[1]!, '/api/stats')).json.data.scope).toBe('local');

  await redis.restart();
  await Promise.all(alive.map((n, i) => n.output.waitFor('the recovery log line', /Redis reachable again/, 10000, marks[i])));
  for (const n of alive) expect(n.output.count(/Redis unreachable/)).toBe(1);
  await pollUntil('every node back in the stats', async () => (await admin(alive[0]!, '/api/stats')).json.data.nodes === 3 || undefined, 5000, 100);
  const back = await admin<BroadcastResult>(alive[1]!, '/api/broadcast', { account_id: identity.accountId, binding: BINDING, event: 'notice', data: { back: true } });
  expect(back.json.data).toMatchObject({ members: receivers.length });
  expect(back.json.data.nodes).toHaveLength(3);
  await Promise.all(receivers.map((p) => p.waitEvent(`the broadcast after recovery at ${p.label}`, (e) => e.routing_key === 'broadcast' && e.data['back'] === true)));
  const after = await stream(5, receivers);
  expectExactlyOnce(receivers, after);
});

it('stops a node cleanly on SIGTERM: exit 0, and the cluster counts without it', async () => {
  const [stays, leaves, ...others] = cluster.alive;
  expect(await leaves!.kill('SIGTERM')).toBe(0);
  const stats = await pollUntil('the stopped node gone from the stats', async () => {
    const { data } = (await admin(stays!, '/api/stats')).json;
    return data.nodes === 1 + others.length ? data : undefined;
  }, 5000, 100);
  expect(stats.perNode.map((n) => n.url).sort()).toEqual([stays!, ...others].map((n) => n.url).sort());
});

// The operator console's server side on a single node (no Redis): the page and every data route stay
// behind the admin token, the live stream carries rates that move with real traffic, connections are
// searchable with their details, and an operator's disconnect closes the client and is logged.
import { randomBytes } from 'node:crypto';
import { WsClient, SocketIoV4Client } from '../helpers/clients';
import { KazooPublisher } from '../helpers/kazoo';
import { newCallId } from '../helpers/ids';
import { SseStream } from '../helpers/sse';
import { startTestServer, TestServer } from '../helpers/server';
import { pollUntil } from '../helpers/wait';
import type { ConsoleSample } from '../../src/console/console-series';
import type { ConnectionView } from '../../src/cluster/connection-directory';
import type { RoomView } from '../../src/console/room-event-counter';
import type { ClusterStats } from '../../src/cluster/node-stats';

const ADMIN = `admin-${randomBytes(12).toString('hex')}`;
let server: TestServer;
let off: TestServer;
let kazoo: KazooPublisher;
const open: Array<{ close(): unknown }> = [];

beforeAll(async () => {
  [server, off, kazoo] = await Promise.all([startTestServer({ adminToken: ADMIN }), startTestServer(), KazooPublisher.connect()]);
});
afterAll(async () => {
  await Promise.allSettled(open.map((c) => c.close()));
  await Promise.all([server?.stop(), off?.stop(), kazoo?.close()]);
});

const auth = { Authorization: `Bearer ${ADMIN}` };

async function json<T>(path: string, init: RequestInit = {}): Promise<{ status: number; body: T }> {
  const res = await fetch(`${server.url}${path}`, { ...init, headers: { ...auth, 'Content-Type': 'application/json', ...(init.headers as Record<string, string> | undefined) } });
  return { status: res.status, body: (await res.json()) as T };
}

it('serves the page only while EH_ADMIN_TOKEN is set, with a policy that forbids outside requests', async () => {
  const disabled = await fetch(`${off.url}/admin/`);
  expect(disabled.status).toBe(403);
  expect(await disabled.json()).toEqual({ status: 'error', message: 'the admin console is off: set EH_ADMIN_TOKEN to use it' });
  const bare = await fetch(`${server.url}/admin`, { redirect: 'manual' });
  expect(bare.status).toBe(308);
  expect(bare.headers.get('location')).toBe('/admin/');
  const page = await fetch(`${server.url}/admin/`);
  expect(page.status).toBe(200);
  expect(page.headers.get('content-type')).toMatch(/^text\/html/);
  expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
  expect(await page.text()).toContain('Event Horizon console');
  expect((await fetch(`${server.url}/admin/`, { method: 'POST' })).status).toBe(405);
});

it('refuses the stream and the connection routes without the admin token', async () => {
  const stream = await SseStream.open(`${server.url}/api/stream`);
  expect(stream.status).toBe(401);
  expect((await SseStream.open(`${server.url}/api/stream`, { Authorization: 'Bearer wrong' })).status).toBe(401);
  expect((await SseStream.open(`${off.url}/api/stream`, auth)).status).toBe(403);
  expect((await fetch(`${server.url}/api/sockets/abc/disconnect`, { method: 'POST' })).status).toBe(401);
  expect((await fetch(`${server.url}/api/sockets/abc`)).status).toBe(401);
  expect((await fetch(`${server.url}/api/sockets/abc/disconnect`, { headers: auth })).status).toBe(405);
});

it('streams rates, connections by generation, rooms and nodes that follow real traffic', async () => {
  const { token, accountId } = server.addIdentity();
  const stream = await SseStream.open(`${server.url}/api/stream`, auth);
  open.push(stream);
  expect(stream.status).toBe(200);
  const hello = await stream.next<{ node: string; interval_ms: number }>('hello');
  expect(hello).toMatchObject({ node: server.app.cluster.node, interval_ms: 1000 });

  const ws = await WsClient.connect(server.url);
  const sio = await SocketIoV4Client.connect(server.url);
  open.push(ws, sio);
  expect((await ws.subscribe(token, accountId, 'call.*.*')).status).toBe('success');
  expect((await sio.subscribe(token, accountId, 'call.CHANNEL_CREATE.*')).status).toBe('success');
  const callId = newCallId();
  // Keep events flowing until a sample sees them (samples are per second).
  const publishing = setInterval(() => void kazoo.call('CHANNEL_CREATE', accountId, callId).catch(() => undefined), 100);
  try {
    const busy = await stream.next<ConsoleSample>('sample', (s) => s.eventsInPerSec > 0 && (s.deliveredPerSec['websocket'] ?? 0) > 0 && (s.deliveredPerSec['socketio'] ?? 0) > 0);
    expect(busy.connections).toMatchObject({ websocket: 1, socketio: 1 });
    expect(busy.amqpBindings).toBeGreaterThan(0);
    expect(busy.latencyP99Ms).not.toBeNull();
    expect(busy.latencyP99Ms!).toBeGreaterThanOrEqual(busy.latencyP50Ms!);
    const rooms = await stream.next<{ rooms: RoomView[] }>('rooms', (r) => r.rooms.some((room) => room.account_id === accountId && room.events_per_sec > 0));
    expect(rooms.rooms.filter((r) => r.account_id === accountId).map((r) => [r.binding, r.members]).sort()).toEqual([['call.*.*', 1], ['call.CHANNEL_CREATE.*', 1]]);
  } finally {
    clearInterval(publishing);
  }
  const nodes = await stream.next<ClusterStats>('nodes', (n) => n.perNode[0]?.vitals?.broker.ready === true);
  expect(nodes).toMatchObject({ scope: 'local', nodes: 1 });
  expect(nodes.perNode[0]!.vitals).toEqual({ broker: { ready: true, bindings: expect.any(Number), reconnects: 0 }, redis: { status: 'off', losses: 0 }, draining: false });
  stream.close();
  // The last stream gone, the room counter leaves the event path.
  await pollUntil('the console to stop sampling', () => (server.app.console.streams.size === 0 ? true : undefined));
});

it('lists connections by account, generation, IP and binding, shows one, and disconnects it with an audit line', async () => {
  const { token, accountId } = server.addIdentity();
  const ws = await WsClient.connect(server.url);
  const other = await WsClient.connect(server.url);
  open.push(ws, other);
  expect((await ws.subscribe(token, accountId, ['call.CHANNEL_ANSWER.*', 'conference.event.*'])).status).toBe('success');

  const byAccount = await json<{ data: { connections: ConnectionView[]; connections_total: number } }>(`/api/sockets?account_id=${accountId}`);
  expect(byAccount.status).toBe(200);
  expect(byAccount.body.data.connections_total).toBe(1);
  const view = byAccount.body.data.connections[0]!;
  expect(view).toMatchObject({ generation: 'websocket', ip: '127.0.0.1', accounts: [accountId], bindings: ['call.CHANNEL_ANSWER.*', 'conference.event.*'], node: server.app.cluster.node, token_expires_at: null });
  expect(view.buffered_bytes).toBeGreaterThanOrEqual(0);
  expect(view.age_seconds).toBeGreaterThanOrEqual(0);
  expect(view.subscriptions.map((s) => s.binding)).toEqual(['call.CHANNEL_ANSWER.*', 'conference.event.*']);

  for (const q of [`q=${accountId.slice(4, 20)}`, 'q=conference.event', `binding=conference.event.*&account_id=${accountId}`, `ip=127.0.0.1&generation=websocket&account_id=${accountId}`]) {
    const found = await json<{ data: { connections: ConnectionView[] } }>(`/api/sockets?${q}`);
    expect(found.body.data.connections.map((c) => c.id)).toContain(view.id);
  }
  expect((await json<{ data: { connections: ConnectionView[] } }>(`/api/sockets?generation=socketio-legacy&account_id=${accountId}`)).body.data.connections).toEqual([]);
  expect((await json<{ data: { connections_error: string } }>('/api/sockets?limit=0')).body.data.connections_error).toMatch(/limit/);

  const one = await json<{ data: ConnectionView }>(`/api/sockets/${view.id}`);
  expect(one.body.data.id).toBe(view.id);
  expect((await json('/api/sockets/0000-not-here')).status).toBe(404);

  const warn = jest.spyOn(server.app.logger, 'warn');
  const closed = new Promise<number>((resolve) => ws.socket.once('close', (code: number) => resolve(code)));
  const res = await json<{ data: { disconnected: ConnectionView; reason: string } }>(`/api/sockets/${view.id}/disconnect`, { method: 'POST', body: JSON.stringify({ reason: 'testing the console' }) });
  expect(res.status).toBe(200);
  expect(res.body.data).toMatchObject({ reason: 'testing the console', disconnected: { id: view.id } });
  expect(await closed).toBe(4010);
  expect(warn).toHaveBeenCalledWith(expect.objectContaining({ audit: 'admin_disconnect', session: view.id, reason: 'testing the console', by: '127.0.0.1', accounts: [accountId] }), 'operator disconnected a connection');
  warn.mockRestore();
  expect((await json(`/api/sockets/${view.id}/disconnect`, { method: 'POST', body: '{"reason":""}' })).status).toBe(400);
  await pollUntil('the connection to leave the list', async () => ((await json<{ data: { connections_total: number } }>(`/api/sockets?account_id=${accountId}`)).body.data.connections_total === 0 ? true : undefined));
  expect(other.socket.readyState).toBe(1);
});

// Socket.IO 0.9 (KAZOO 3.x) through the real 0.9.16 Node client, over websocket and xhr-polling:
// subscribe, named events and envelopes, acks, errors, heartbeats, reconnect after a server restart.
import { Client09, Transport09 } from '../helpers/legacy-client';
import { expectedCallEnvelope, KazooPublisher } from '../helpers/kazoo';
import { newCallId } from '../helpers/ids';
import { TcpProxy } from '../helpers/tcp-proxy';
import { pollUntil } from '../helpers/wait';
import { startTestServer, TestServer } from '../helpers/server';
import { roomName } from '../../src/hub/room-name';

// Short timings so heartbeat and poll behaviour show within a test's time.
const TIMINGS = { legacyHeartbeatIntervalMs: 150, legacyHeartbeatTimeoutMs: 1500, legacyCloseTimeoutMs: 1500, legacyPollTimeoutMs: 300 };

let server: TestServer;
let kazoo: KazooPublisher;
const open: Client09[] = [];

beforeAll(async () => {
  server = await startTestServer(TIMINGS);
  kazoo = await KazooPublisher.connect();
});
afterEach(() => {
  for (const c of open.splice(0)) c.close();
});
afterAll(async () => {
  await kazoo.close();
  await server.stop();
});

async function connect(transport: Transport09, url = server.url): Promise<Client09> {
  const c = Client09.open(url, transport);
  open.push(c);
  await c.connected;
  return c;
}

type Reply = { action: string; status: string; request_id: string; data: Record<string, unknown> };
const isReply = (d: unknown): d is Reply => typeof d === 'object' && d !== null && (d as Reply).action === 'reply';

describe.each<Transport09>(['websocket', 'xhr-polling'])('0.9.16 client over %s', (transport) => {
  it('connects on the transport it was told to use', async () => {
    const c = await connect(transport);
    expect(c.socket.socket.transport?.name).toBe(transport);
    expect(c.socket.socket.sessionid).toMatch(/^[A-Za-z0-9_-]{20,}$/);
  });

  it('emit("subscribe") gets CHANNEL_CREATE with the raw payload, and the envelope on message', async () => {
    const { token, accountId } = server.addIdentity();
    const c = await connect(transport);
    c.socket.emit('subscribe', { account_id: accountId, auth_token: token, binding: 'call.CHANNEL_CREATE.*' });
    const reply = await c.waitNamed('message', isReply);
    expect(reply).toMatchObject({ status: 'success', data: { subscribed: ['call.CHANNEL_CREATE.*'] } });

    const callId = newCallId();
    const payload = await kazoo.call('CHANNEL_CREATE', accountId, callId, { Note: 'héllo €😀' });
    expect(await c.waitNamed('CHANNEL_CREATE')).toEqual(payload);
    const envelope = await c.waitNamed('message', (d) => (d as { action?: string }).action === 'event');
    expect(envelope).toEqual(expectedCallEnvelope('CHANNEL_CREATE', accountId, callId, payload));
  });

  it('sends a named event once per connection and an envelope once per matching binding', async () => {
    const { token, accountId } = server.addIdentity();
    const c = await connect(transport);
    const [ack] = await c.emitWithAck('subscribe', { account_id: accountId, auth_token: token, bindings: ['call.CHANNEL_ANSWER.*', 'call.*.*'] });
    expect(ack).toMatchObject({ status: 'success' });
    const callId = newCallId();
    await kazoo.call('CHANNEL_ANSWER', accountId, callId);
    await kazoo.call('CHANNEL_DESTROY', accountId, callId);
    await c.waitNamed('CHANNEL_DESTROY');
    expect(c.named('CHANNEL_ANSWER')).toHaveLength(1);
    const answers = c.named('message').filter((d) => (d as { name?: string }).name === 'CHANNEL_ANSWER') as Array<{ subscribed_key: string }>;
    expect(answers.map((e) => e.subscribed_key).sort()).toEqual(['call.*.*', 'call.CHANNEL_ANSWER.*']);
  });

  it('answers an emit with a callback with the reply as its ack', async () => {
    const { token, accountId } = server.addIdentity();
    const c = await connect(transport);
    const args = await c.emitWithAck('subscribe', { account_id: accountId, auth_token: token, binding: 'call.CHANNEL_CREATE.*' });
    expect(args).toEqual([expect.objectContaining({ action: 'reply', status: 'success', data: { subscribed: ['call.CHANNEL_CREATE.*'] } })]);
    const pong = await c.emitWithAck('message', { action: 'ping', auth_token: token, request_id: 'p1' });
    expect(pong).toEqual([{ action: 'reply', request_id: 'p1', status: 'success', data: { response: 'pong' } }]);
  });

  it('sends KAZOO 3.x auth_failure for a bad token, and the error reply on message', async () => {
    const { accountId } = server.addIdentity();
    const c = await connect(transport);
    c.socket.emit('subscribe', { account_id: accountId, auth_token: 'nope', binding: 'call.CHANNEL_CREATE.*' });
    expect(await c.waitNamed('auth_failure')).toEqual({ message: 'invalid auth token', cause: 'nope' });
    expect(await c.waitNamed('message', isReply)).toMatchObject({ status: 'error', data: { errors: ['failed to authenticate token nope'] } });
  });

  it('ends the session on disconnect, dropping its subscriptions', async () => {
    const { token, accountId } = server.addIdentity();
    const c = await connect(transport);
    const sid = c.socket.socket.sessionid;
    await c.emitWithAck('subscribe', { account_id: accountId, auth_token: token, binding: 'call.CHANNEL_CREATE.*' });
    expect(server.app.legacy.registry.get(sid)).toBeDefined();
    c.close();
    await pollUntil('the session to end', () => (server.app.legacy.registry.get(sid) ? undefined : true), 3000);
    expect(server.app.hub.index.get(roomName(accountId, 'call.CHANNEL_CREATE.*'))).toBeUndefined();
  });
});

describe('unknown session ids', () => {
  it('an xhr-polling client whose session vanished is told 7:::1+0 and re-handshakes', async () => {
    const c = await connect('xhr-polling');
    const firstSid = c.socket.socket.sessionid;
    server.app.legacy.registry.get(firstSid)!.close('test: forgotten by the server');
    await c.inbox.waitCount('a second connect', (i) => i.name === 'connect', 2, 5000);
    expect(c.socket.socket.sessionid).not.toBe(firstSid);
    expect(server.app.legacy.registry.get(c.socket.socket.sessionid)).toBeDefined();
  });
});

describe('heartbeats', () => {
  it('keeps a websocket client that echoes heartbeats for longer than the heartbeat timeout', async () => {
    const c = await connect('websocket');
    const session = server.app.legacy.registry.get(c.socket.socket.sessionid)!;
    // 150 ms interval: 12 answered heartbeats take longer than the 1500 ms timeout.
    await pollUntil('12 answered heartbeats', () => (session.heartbeatsAnswered >= 12 ? true : undefined), 5000);
    expect(session.isClosed).toBe(false);
    expect(c.named('disconnect')).toHaveLength(0);
  });

  it('ends the session of a client that stops echoing heartbeats; the client then reconnects', async () => {
    // Behind a proxy that stops passing on what the client sends on its websocket: its `2::` echoes
    // never arrive, as from a frozen tab. Its kept-alive handshake connection and new ones (the reconnect) pass as usual.
    const proxy = await TcpProxy.start(server.app.port);
    try {
      const c = await connect('websocket', `http://127.0.0.1:${proxy.port}`);
      const sid = c.socket.socket.sessionid;
      const session = server.app.legacy.registry.get(sid)!;
      proxy.stopReading('client', 'newest');
      await c.waitNamed('disconnect', () => true, 5000);
      expect(server.app.legacy.registry.get(sid)).toBeUndefined();
      expect(session.heartbeatsAnswered).toBe(0);
      await c.inbox.waitCount('a new connect', (i) => i.name === 'connect', 2, 5000);
      expect(c.socket.socket.sessionid).not.toBe(sid);
    } finally {
      await proxy.close();
    }
  });
});

describe('reconnect', () => {
  it.each<Transport09>(['websocket', 'xhr-polling'])('%s: after a server restart the client re-handshakes and re-subscribes in on("connect")', async (transport) => {
    const own = await startTestServer(TIMINGS);
    const port = own.app.port;
    const { token, accountId } = own.addIdentity();
    const c = Client09.open(own.url, transport);
    open.push(c);
    c.socket.on('connect', () => c.socket.emit('subscribe', { account_id: accountId, auth_token: token, binding: 'call.CHANNEL_CREATE.*' }));
    await c.connected;
    const firstSid = c.socket.socket.sessionid;
    await c.waitNamed('message', isReply);
    await own.stop();

    const again = await startTestServer({ ...TIMINGS, port }, { [token]: { account_id: accountId } });
    try {
      const [, second] = await c.inbox.waitCount('a second connect', (i) => i.name === 'connect', 2, 10000);
      expect(c.socket.socket.sessionid).not.toBe(firstSid);
      const resubscribed = await c.waitNamed('message', isReply, 5000, c.inbox.items.indexOf(second!));
      expect(resubscribed).toMatchObject({ status: 'success', data: { subscribed: ['call.CHANNEL_CREATE.*'] } });
      const callId = newCallId();
      const payload = await kazoo.call('CHANNEL_CREATE', accountId, callId);
      expect(await c.waitNamed('CHANNEL_CREATE', (d) => (d as Record<string, unknown>)['Call-ID'] === callId)).toEqual(payload);
    } finally {
      c.close();
      await again.stop();
    }
  });
});

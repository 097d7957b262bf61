// Every abuse limit hit through real clients and reported: a clear error reply or HTTP status, and a
// counter. Distinct client IPs come from X-Forwarded-For through a trusted proxy, or real 127.0.0.x sources.
import WebSocket from 'ws';
import { io as ioV4 } from 'socket.io-client';
import { connectClient, EnvelopeClient, SocketIoV4Client, WsClient } from '../helpers/clients';
import { pollUntil } from '../helpers/wait';
import { Client09 } from '../helpers/legacy-client';
import { startTestServer, TestServer } from '../helpers/server';

const open: EnvelopeClient[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});

let ipSeq = 10;
/** A fresh documentation-range client IP for X-Forwarded-For. */
function freshIp(): string {
  ipSeq++;
  return `203.0.113.${ipSeq}`;
}

async function wsFrom(server: TestServer, ip: string, headers: Record<string, string> = {}): Promise<WsClient> {
  const c = await WsClient.connect(server.url.replace(/^http/, 'ws') + '/', { headers: { 'X-Forwarded-For': ip, ...headers } });
  open.push(c);
  return c;
}

/** Tries a raw WebSocket upgrade; resolves with the HTTP status of a refusal, or 101. */
function upgradeStatus(server: TestServer, headers: Record<string, string>): Promise<{ status: number; body: string; socket?: WebSocket }> {
  return upgradeStatusAt(server, '/', headers);
}

function upgradeStatusAt(server: TestServer, path: string, headers: Record<string, string>): Promise<{ status: number; body: string; socket?: WebSocket }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(server.url.replace(/^http/, 'ws') + path, { headers });
    ws.once('open', () => resolve({ status: 101, body: '', socket: ws }));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.once('error', (err) => {
      if (!/Unexpected server response/.test(err.message)) reject(err);
    });
  });
}

describe('limits', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      trustedProxies: '127.0.0.1',
      maxConnectionsPerIp: 3,
      maxBindingsPerConnection: 2,
      rateLimitPerSecond: 1,
      rateLimitBurst: 5,
      maxMessageBytes: 1024,
      maxAuthFailuresPerIp: 3,
      authBlockSeconds: 2,
      allowedOrigins: 'https://portal.example.com, https://*.example.net',
    });
  });
  afterAll(() => server.stop());
  const counters = () => server.app.security.counters;

  it('connections per IP: the next upgrade gets HTTP 429 and a Socket.IO handshake is refused; closing frees a slot', async () => {
    const ip = freshIp();
    const held = await Promise.all([0, 1, 2].map(() => wsFrom(server, ip)));
    const before = counters().connectionsRefused;
    const refused = await upgradeStatus(server, { 'X-Forwarded-For': ip });
    expect(refused).toEqual({ status: 429, body: `too many connections from ${ip}: at most 3` });
    await expect(SocketIoV4ClientWithHeaders(server, { 'X-Forwarded-For': ip })).rejects.toThrow();
    expect(counters().connectionsRefused - before).toBe(2);
    // Socket.IO's own client script is not a session: it is served to the IP all the same.
    expect((await fetch(`${server.url}/socket.io/socket.io.min.js`, { headers: { 'X-Forwarded-For': ip } })).status).toBe(200);
    // Another IP is not affected, and a closed connection frees its slot.
    expect((await upgradeStatus(server, { 'X-Forwarded-For': freshIp() })).status).toBe(101);
    await held[0]!.close();
    // The server sees the TCP close a moment after the client does.
    const again = await pollUntil('a freed slot', async () => {
      const r = await upgradeStatus(server, { 'X-Forwarded-For': ip });
      return r.status === 101 ? r : undefined;
    });
    again.socket?.close();
  });

  it('connections per IP count an IPv6 client by its /64: rotating addresses inside it does not escape the cap', async () => {
    ipSeq++;
    const prefix = `2001:db8:${ipSeq.toString(16)}:7`;
    await Promise.all([1, 2, 3].map((k) => wsFrom(server, `${prefix}::${k}`)));
    const refused = await upgradeStatus(server, { 'X-Forwarded-For': `${prefix}:ffff::4` });
    expect(refused).toEqual({ status: 429, body: `too many connections from ${prefix}:ffff::4: at most 3` });
    // The neighbouring /64 is another subscriber.
    const neighbour = await upgradeStatus(server, { 'X-Forwarded-For': `2001:db8:${ipSeq.toString(16)}:8::1` });
    expect(neighbour.status).toBe(101);
    neighbour.socket?.close();
  });

  it('bindings per connection: a subscribe past the limit is refused with its text', async () => {
    const { token, accountId } = server.addIdentity();
    const c = await wsFrom(server, freshIp());
    expect((await c.subscribe(token, accountId, ['call.CHANNEL_CREATE.*', 'call.CHANNEL_ANSWER.*'])).status).toBe('success');
    const before = counters().bindingsRefused;
    expect(await c.subscribe(token, accountId, 'call.CHANNEL_DESTROY.*')).toMatchObject({ status: 'error', data: { errors: ['too many bindings: at most 2 per connection'] } });
    expect(counters().bindingsRefused - before).toBe(1);
  });

  it('messages per second (raw ws): past the bucket one reply in KAZOO’s words, then silence, then close 4029', async () => {
    const { token } = server.addIdentity();
    const ip = freshIp();
    const c = await wsFrom(server, ip);
    const before = counters().rateLimited;
    for (let i = 0; i < 6; i++) c.send({ action: 'ping', auth_token: token, request_id: `p${i}` });
    const refused = await c.nextReply((r) => r.request_id === 'p5');
    const port = c.localPort;
    expect(port).toEqual(expect.any(Number));
    expect(refused).toMatchObject({ status: 'error', data: { errors: [`rate limiting threshold hit for ${ip}:${port}!`] } });
    expect(c.envelopes().filter((e) => (e as { status?: string }).status === 'success')).toHaveLength(5);
    for (let i = 0; i < 10; i++) c.send({ action: 'ping', auth_token: token });
    const closed = await c.inbox.wait('the close', (item) => item.name === 'close');
    expect(closed.data).toEqual({ code: 4029, reason: 'rate limit exceeded' });
    expect(c.envelopes()).toHaveLength(6);
    expect(counters().rateLimited - before).toBeGreaterThanOrEqual(6);
    expect(counters().rateLimitDisconnects).toBeGreaterThanOrEqual(1);
  });

  it('messages per second (Socket.IO): the refusal comes as an error reply on `message`', async () => {
    const { token } = server.addIdentity();
    const c = await connectClient('socketio-v4', server.url);
    open.push(c);
    for (let i = 0; i < 6; i++) c.send({ action: 'ping', auth_token: token, request_id: `s${i}` });
    const refused = await c.nextReply((r) => r.request_id === 's5');
    expect(refused.data.errors![0]).toMatch(/^rate limiting threshold hit for 127\.0\.0\.1:\d+!$/);
    // A bucket's worth more and the server disconnects the socket.
    for (let i = 0; i < 6; i++) c.send({ action: 'ping', auth_token: token });
    const socket = (c as SocketIoV4Client).socket;
    await pollUntil('the disconnect', () => (socket.connected ? undefined : true));
  });

  it('messages per second (Socket.IO 0.9): the refusal comes as an error reply on `message`', async () => {
    const { token, accountId } = server.addIdentity();
    const c = Client09.open(server.url, 'websocket');
    try {
      await c.connected;
      for (let i = 0; i < 6; i++) c.socket.emit('subscribe', { account_id: accountId, auth_token: token, binding: 'call.CHANNEL_CREATE.*', request_id: `l${i}` });
      const item = await c.inbox.wait('the refusal', (i) => i.name === 'message' && (i.data as { request_id?: string }).request_id !== undefined && /^rate limiting/.test(String((i.data as { data?: { errors?: string[] } }).data?.errors?.[0])));
      expect((item.data as { data: { errors: string[] } }).data.errors[0]).toBe('rate limiting threshold hit for 127.0.0.1!');
    } finally {
      c.close();
    }
  });

  it('every counter is on /metrics for Prometheus', async () => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    for (const name of ['connections_refused', 'origins_refused', 'blocked_refusals', 'bindings_refused', 'rate_limited', 'rate_limit_disconnects', 'messages_too_large', 'auth_failures', 'ips_blocked', 'auth_unavailable', 'subscriptions_revoked']) {
      expect(text).toMatch(new RegExp(`^eh_limits_${name}_total \\d+$`, 'm'));
    }
    expect(text).toContain(`eh_limits_rate_limited_total ${counters().rateLimited}`);
  });

  it.each(['websocket', 'socketio-v4'] as const)('message size (%s): a message over EH_MAX_MESSAGE_BYTES gets an error reply, the connection stays', async (generation) => {
    const { token } = server.addIdentity();
    const c = generation === 'websocket' ? await wsFrom(server, freshIp()) : await connectClient(generation, server.url);
    if (generation !== 'websocket') open.push(c);
    const before = counters().messagesTooLarge;
    c.send({ action: 'ping', auth_token: token, request_id: 'big', data: { pad: 'x'.repeat(2000) } });
    const reply = await c.nextReply((r) => r.status === 'error');
    expect(reply.data.errors![0]).toMatch(/^message too large: \d+ bytes, at most 1024$/);
    expect((await c.request({ action: 'ping', auth_token: token })).status).toBe('success');
    expect(counters().messagesTooLarge - before).toBe(1);
  });

  it('failed logins per IP: the IP is blocked (error replies, HTTP 429) for EH_AUTH_BLOCK_SECONDS; others are not', async () => {
    const { token, accountId } = server.addIdentity();
    const ip = freshIp();
    const c = await wsFrom(server, ip);
    for (let i = 0; i < 3; i++) expect((await c.request({ action: 'ping', auth_token: `bad-${i}` })).data.errors![0]).toBe(`failed to authenticate token bad-${i}`);
    const blocked = await c.subscribe(token, accountId, 'call.CHANNEL_CREATE.*');
    expect(blocked.data.errors![0]).toMatch(new RegExp(`^too many failed authentication attempts from ${ip.replace(/\./g, '\\.')}: blocked for [12] s$`));
    expect((await upgradeStatus(server, { 'X-Forwarded-For': ip })).status).toBe(429);
    const other = await wsFrom(server, freshIp());
    expect((await other.subscribe(token, accountId, 'call.CHANNEL_CREATE.*')).status).toBe('success');
    expect(counters().ipsBlocked).toBeGreaterThanOrEqual(1);
    expect(counters().blockedRefusals).toBeGreaterThanOrEqual(2);
  });

  it('origin policy: listed origins and non-browsers connect, others get HTTP 403 (ws and Socket.IO handshakes)', async () => {
    const ok = await upgradeStatus(server, { Origin: 'https://a.example.net', 'X-Forwarded-For': freshIp() });
    expect(ok.status).toBe(101);
    ok.socket?.close();
    expect(await upgradeStatus(server, { Origin: 'https://evil.example.com', 'X-Forwarded-For': freshIp() })).toEqual({ status: 403, body: 'origin https://evil.example.com is not allowed (EH_ALLOWED_ORIGINS)' });
    const polling = await fetch(`${server.url}/socket.io/?EIO=4&transport=polling`, { headers: { Origin: 'https://evil.example.com' } });
    expect(polling.status).toBe(403);
    const allowed = await fetch(`${server.url}/socket.io/?EIO=4&transport=polling`, { headers: { Origin: 'https://portal.example.com' } });
    expect(allowed.status).toBe(200);
    expect(counters().originsRefused).toBeGreaterThanOrEqual(2);
  });

  it('origin policy: a session opened without Origin (a <script> JSONP handshake) cannot be continued from a refused origin', async () => {
    const evil = { Origin: 'https://evil.example.com' };
    const upgrade = (path: string) => upgradeStatusAt(server, path, { ...evil, 'X-Forwarded-For': freshIp() });
    // Socket.IO 0.9: the handshake answers JSONP, so a page on any site can read the sid.
    const legacy = await fetch(`${server.url}/socket.io/1/?jsonp=0`, { headers: { 'X-Forwarded-For': freshIp() } });
    const legacySid = /"([^":]+):/.exec(await legacy.text())![1]!;
    expect(await upgrade(`/socket.io/1/websocket/${legacySid}`)).toMatchObject({ status: 403 });
    const post = await fetch(`${server.url}/socket.io/1/xhr-polling/${legacySid}`, { method: 'POST', body: '5:::{"name":"ping","args":[{}]}', headers: evil });
    expect(post.status).toBe(403);
    // Engine.IO 3 has JSONP polling too.
    const eio = await fetch(`${server.url}/socket.io/?EIO=3&transport=polling&j=0`, { headers: { 'X-Forwarded-For': freshIp() } });
    const sid = /sid\\?":\\?"([^"\\]+)/.exec(await eio.text())![1]!;
    expect(await upgrade(`/socket.io/?EIO=3&transport=websocket&sid=${sid}`)).toMatchObject({ status: 403 });
  });

  it('origin policy: a handshake Engine.IO accepts without EIO or with an empty sid is refused too', async () => {
    // Engine.IO starts a session for any request whose last `sid` is empty, and takes a missing EIO as revision 3.
    for (const query of ['transport=polling', 'EIO=4&transport=polling&sid=', 'EIO=3&transport=polling&sid=x&sid=']) {
      const res = await fetch(`${server.url}/socket.io/?${query}`, { headers: { Origin: 'https://evil.example.com', 'X-Forwarded-For': freshIp() } });
      expect({ query, status: res.status }).toEqual({ query, status: 403 });
    }
  });
});

describe('connections per IP for Socket.IO 0.9 sessions', () => {
  it('counts each 0.9 session until it ends: the next handshake gets HTTP 429', async () => {
    const server = await startTestServer({ maxConnectionsPerIp: 2 });
    try {
      const handshake = () => fetch(`${server.url}/socket.io/1/?t=${Date.now()}`);
      const sids: string[] = [];
      for (let i = 0; i < 2; i++) {
        const res = await handshake();
        expect(res.status).toBe(200);
        sids.push((await res.text()).split(':')[0]!);
      }
      const refused = await handshake();
      expect(refused.status).toBe(429);
      expect(await refused.text()).toBe('too many connections from 127.0.0.1: at most 2');
      await fetch(`${server.url}/socket.io/1/xhr-polling/${sids[0]}?disconnect`);
      await pollUntil('a freed slot', async () => ((await handshake()).status === 200 ? true : undefined));
      expect(server.app.security.counters.connectionsRefused).toBeGreaterThanOrEqual(1);
    } finally {
      await server.stop();
    }
  });
});

describe('X-Forwarded-For from an untrusted peer', () => {
  it('is ignored: limits and texts name the TCP peer', async () => {
    const server = await startTestServer({ rateLimitPerSecond: 1, rateLimitBurst: 1 });
    try {
      const { token } = server.addIdentity();
      const c = await WsClient.connect(server.url.replace(/^http/, 'ws') + '/', { headers: { 'X-Forwarded-For': '198.51.100.1' } });
      open.push(c);
      c.send({ action: 'ping', auth_token: token, request_id: 'a' });
      c.send({ action: 'ping', auth_token: token, request_id: 'b' });
      expect((await c.nextReply((r) => r.request_id === 'b')).data.errors![0]).toMatch(/^rate limiting threshold hit for 127\.0\.0\.1:\d+!$/);
    } finally {
      await server.stop();
    }
  });
});

/** A Socket.IO v4 handshake with extra headers; rejects when the server refuses it. */
function SocketIoV4ClientWithHeaders(server: TestServer, headers: Record<string, string>): Promise<SocketIoV4Client> {
  return new Promise((resolve, reject) => {
    const socket = ioV4(server.url, { transports: ['polling'], forceNew: true, reconnection: false, extraHeaders: headers });
    socket.once('connect', () => {
      socket.close();
      resolve(undefined as unknown as SocketIoV4Client);
    });
    socket.once('connect_error', (err) => {
      socket.close();
      reject(err);
    });
  });
}

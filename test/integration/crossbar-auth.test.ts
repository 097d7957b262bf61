// The Crossbar driver against a real HTTP server that answers like KAZOO Crossbar: token validation,
// the account tree, caching, failures that never allow, and revocation ending live subscriptions.
import { FAILURE_TTL_MS } from '../../src/auth/crossbar';
import { connectClient, EnvelopeClient, SocketIoV4Client } from '../helpers/clients';
import { FakeCrossbar } from '../helpers/fake-crossbar';
import { newAccountId, newCallId } from '../helpers/ids';
import { KazooPublisher } from '../helpers/kazoo';
import { startTestServer, TestServer } from '../helpers/server';
import { pollUntil } from '../helpers/wait';

let cb: FakeCrossbar;
let kazoo: KazooPublisher;
const open: EnvelopeClient[] = [];

beforeAll(async () => {
  cb = await FakeCrossbar.start();
  kazoo = await KazooPublisher.connect();
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});
afterAll(async () => {
  await kazoo.close();
  await cb.stop();
});

async function client(server: TestServer, generation: 'websocket' | 'socketio-v4' = 'websocket'): Promise<EnvelopeClient> {
  const c = await connectClient(generation, server.url);
  open.push(c);
  return c;
}

/** A reseller P with children C1, C2 and grandchild G under C1. */
function tree() {
  const [p, c1, c2, g] = [newAccountId(), newAccountId(), newAccountId(), newAccountId()];
  cb.addAccount(p, []);
  cb.addAccount(c1, [p]);
  cb.addAccount(c2, [p]);
  cb.addAccount(g, [p, c1]);
  return { p, c1, c2, g };
}

describe('crossbar driver (answers cached for 60 s)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ auth: 'crossbar', crossbarUrl: cb.url, authCacheTtl: 60, authRecheckSeconds: 0, maxAuthFailuresPerIp: 0 });
  });
  afterAll(() => server.stop());

  it('accepts a token Crossbar validates and delivers its account’s events', async () => {
    const { c1 } = tree();
    const token = cb.issue(c1);
    const c = await client(server);
    expect(await c.subscribe(token, c1, 'call.CHANNEL_CREATE.*')).toMatchObject({ status: 'success' });
    const callId = newCallId();
    await kazoo.call('CHANNEL_CREATE', c1, callId);
    await c.waitEvents('the event', (e) => e.data['call_id'] === callId);
  });

  it('lets a token see its descendants (its account in their tree), never siblings, parents or *', async () => {
    const { p, c1, c2, g } = tree();
    const token = cb.issue(c1);
    const c = await client(server);
    expect((await c.subscribe(token, g, 'call.CHANNEL_CREATE.*')).status).toBe('success');
    for (const [account, text] of [[c2, 'unauthorized account id'], [p, 'unauthorized account id'], ['*', 'unauthorized wildcard account id']] as const) {
      const reply = await c.subscribe(token, account, 'call.CHANNEL_CREATE.*');
      expect(reply).toMatchObject({ status: 'error', data: { errors: [text] } });
    }
    expect([...server.app.hub.index.allRooms()].filter((r) => [c2, p, '*'].includes(r.accountId))).toEqual([]);
  });

  it('lets a superduper admin subscribe to every account with *', async () => {
    const master = newAccountId();
    cb.addAccount(master, [], true);
    const c = await client(server);
    expect((await c.subscribe(cb.issue(master), '*', 'call.CHANNEL_CREATE.*')).status).toBe('success');
  });

  it('asks Crossbar once per token within the cache TTL', async () => {
    const { c1, g } = tree();
    const token = cb.issue(c1);
    const c = await client(server);
    for (let i = 0; i < 5; i++) expect((await c.request({ action: 'ping', auth_token: token })).status).toBe('success');
    for (let i = 0; i < 3; i++) expect((await c.subscribe(token, g, 'call.CHANNEL_CREATE.*')).status).toBe('success');
    expect(cb.count('/v2/token_auth', token)).toBe(1);
    expect(cb.count(`/v2/accounts/${g}/tree`, token)).toBe(1);
  });

  it('does not ask Crossbar in a loop about a JWT it accepts past its exp (clocks that disagree)', async () => {
    const { c1 } = tree();
    const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    // Crossbar is the judge of validity; this clock says the token expired 10 s ago.
    const token = cb.issue(c1, `${part({ alg: 'RS256', typ: 'JWT' })}.${part({ account_id: c1, exp: Math.floor(Date.now() / 1000) - 10 })}.c2ln`);
    const c = await client(server);
    const subscribedAt = Date.now();
    expect(await c.subscribe(token, c1, 'call.CHANNEL_CREATE.*')).toMatchObject({ status: 'success' });
    expect(cb.count('/v2/token_auth', token)).toBe(1);
    // Such a token is asked about again after the refusal TTL, not at once and over and over.
    await pollUntil('Crossbar to be asked about the token again', () => (cb.count('/v2/token_auth', token) > 1 ? true : undefined), FAILURE_TTL_MS + 5000);
    expect(Date.now() - subscribedAt).toBeGreaterThanOrEqual(FAILURE_TTL_MS - 100);
    expect(cb.count('/v2/token_auth', token)).toBe(2);
  });

  it('refuses an unknown token with KAZOO’s text and keeps the refusal briefly', async () => {
    const { c1 } = tree();
    const c = await client(server);
    for (let i = 0; i < 2; i++) {
      const reply = await c.subscribe('not-a-token', c1, 'call.CHANNEL_CREATE.*');
      expect(reply).toMatchObject({ status: 'error', data: { errors: ['failed to authenticate token not-a-token'] } });
    }
    expect(cb.count('/v2/token_auth', 'not-a-token')).toBe(1);
  });

  it('answers "authentication service unavailable" when Crossbar fails, and never allows', async () => {
    const { c1, g } = tree();
    const cached = cb.issue(c1);
    const c = await client(server);
    expect((await c.request({ action: 'ping', auth_token: cached })).status).toBe('success');
    cb.failWith = 500;
    try {
      const fresh = cb.issue(c1);
      expect(await c.subscribe(fresh, c1, 'call.CHANNEL_CREATE.*')).toMatchObject({ status: 'error', data: { errors: ['authentication service unavailable'] } });
      // The token is known (cached) but the account tree cannot be asked: still no allow.
      expect(await c.subscribe(cached, g, 'call.CHANNEL_CREATE.*')).toMatchObject({ status: 'error', data: { errors: ['authentication service unavailable'] } });
    } finally {
      cb.failWith = undefined;
    }
    expect([...server.app.hub.index.allRooms()].filter((r) => r.accountId === g || r.accountId === c1)).toEqual([]);
    expect(server.app.security.counters.authUnavailable).toBeGreaterThanOrEqual(2);
  });

  it('answers "authentication service unavailable" when Crossbar cannot be reached', async () => {
    const gone = await FakeCrossbar.start();
    await gone.stop();
    const unreachable = await startTestServer({ auth: 'crossbar', crossbarUrl: gone.url, crossbarTimeoutMs: 1000 });
    try {
      const c = await client(unreachable);
      const reply = await c.subscribe('any-token', newAccountId(), 'call.CHANNEL_CREATE.*');
      expect(reply).toMatchObject({ status: 'error', data: { errors: ['authentication service unavailable'] } });
      expect(unreachable.app.hub.index.roomCount).toBe(0);
    } finally {
      await unreachable.stop();
    }
  });
});

describe('crossbar driver: revocation', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ auth: 'crossbar', crossbarUrl: cb.url, authCacheTtl: 0.2, authRecheckSeconds: 0.3 });
  });
  afterAll(() => server.stop());

  it.each(['websocket', 'socketio-v4'] as const)('%s: a revoked token’s subscriptions end with an error saying so, then their connection; other connections go on', async (generation) => {
    const a = tree();
    const b = tree();
    const [tokenA, tokenB] = [cb.issue(a.c1), cb.issue(b.c1)];
    const c = await client(server, generation);
    const other = await client(server, generation);
    expect((await c.subscribe(tokenA, a.c1, 'call.CHANNEL_CREATE.*')).status).toBe('success');
    expect((await c.subscribe(tokenB, b.c1, 'call.CHANNEL_CREATE.*')).status).toBe('success');
    expect((await other.subscribe(tokenB, b.c1, 'call.CHANNEL_CREATE.*')).status).toBe('success');

    cb.revoke(tokenA);
    const notice = await c.nextReply((r) => r.status === 'error', 5000);
    expect(notice.data.errors![0]).toBe(`failed to authenticate token ${tokenA}: token revoked or expired, its subscriptions ended`);
    expect(notice.data).toMatchObject({ account_id: a.c1, unsubscribed: ['call.CHANNEL_CREATE.*'], subscribed: [] });
    if (c instanceof SocketIoV4Client) expect(await c.waitNamed('auth_failure')).toEqual({ message: 'invalid auth token', cause: tokenA });
    await c.ended();

    const [lost, sentinel] = [newCallId(), newCallId()];
    await kazoo.call('CHANNEL_CREATE', a.c1, lost);
    await kazoo.call('CHANNEL_CREATE', b.c1, sentinel);
    await other.waitEvents('the sentinel', (e) => e.data['call_id'] === sentinel);
    expect(c.events((e) => e.data['call_id'] === lost)).toEqual([]);
  });
});

describe('crossbar driver: an outage during re-validation', () => {
  it('keeps live subscriptions (an outage must not cut every stream) and checks again once Crossbar answers', async () => {
    const server = await startTestServer({ auth: 'crossbar', crossbarUrl: cb.url, authCacheTtl: 0.1, authRecheckSeconds: 0.2 });
    try {
      const a = tree();
      const token = cb.issue(a.c1);
      const c = await client(server);
      expect((await c.subscribe(token, a.c1, 'call.CHANNEL_CREATE.*')).status).toBe('success');
      cb.failWith = 503;
      const asked = cb.count('/v2/token_auth', token);
      await pollUntil('two failed re-validations', () => (cb.count('/v2/token_auth', token) >= asked + 2 ? true : undefined));
      cb.failWith = undefined;
      const callId = newCallId();
      await kazoo.call('CHANNEL_CREATE', a.c1, callId);
      await c.waitEvents('the event', (e) => e.data['call_id'] === callId);
      expect(c.envelopes().filter((e) => (e as { status?: string }).status === 'error')).toEqual([]);
      // Once Crossbar answers again, a revocation is acted on.
      cb.revoke(token);
      expect((await c.nextReply((r) => r.status === 'error', 5000)).data.errors![0]).toMatch(/^failed to authenticate token .*: token revoked or expired/);
    } finally {
      cb.failWith = undefined;
      await server.stop();
    }
  });
});

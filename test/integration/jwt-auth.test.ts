// The JWT driver with keys generated here by `jose`: PEM and JWKS keys, claims to identity, every
// forgery refused, and a token that expires mid-session ending its subscriptions with a notice.
import fs from 'node:fs';
import { connectClient, EnvelopeClient, SocketIoV2Client } from '../helpers/clients';
import { newAccountId, newCallId } from '../helpers/ids';
import { forgeries, jwtKit, JwtKit } from '../helpers/jwt-keys';
import { KazooPublisher } from '../helpers/kazoo';
import { startTestServer, TestServer } from '../helpers/server';

let kazoo: KazooPublisher;
const open: EnvelopeClient[] = [];

beforeAll(async () => {
  kazoo = await KazooPublisher.connect();
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});
afterAll(() => kazoo.close());

describe.each([
  ['RS256 PEM public key', 'RS256', 'pem'],
  ['ES256 JWKS file', 'ES256', 'jwks'],
] as const)('jwt driver with an %s', (_name, alg, format) => {
  let kit: JwtKit;
  let server: TestServer;
  beforeAll(async () => {
    kit = await jwtKit(alg, format);
    server = await startTestServer({ auth: 'jwt', jwtPublicKey: kit.keyFile, maxAuthFailuresPerIp: 0, authRecheckSeconds: 0 });
  });
  afterAll(() => server.stop());

  async function client(generation: 'websocket' | 'socketio-v2' = 'websocket'): Promise<EnvelopeClient> {
    const c = await connectClient(generation, server.url);
    open.push(c);
    return c;
  }

  it('reads the account and its descendants from verified claims, and delivers', async () => {
    const [account, child, parent] = [newAccountId(), newAccountId(), newAccountId()];
    const token = await kit.sign({ account_id: account, descendants: [child] });
    const c = await client();
    expect((await c.subscribe(token, account, 'call.CHANNEL_CREATE.*')).status).toBe('success');
    expect((await c.subscribe(token, child, 'call.CHANNEL_CREATE.*')).status).toBe('success');
    expect(await c.subscribe(token, parent, 'call.CHANNEL_CREATE.*')).toMatchObject({ status: 'error', data: { errors: ['unauthorized account id'] } });
    expect(await c.subscribe(token, '*', 'call.CHANNEL_CREATE.*')).toMatchObject({ status: 'error', data: { errors: ['unauthorized wildcard account id'] } });
    const callId = newCallId();
    await kazoo.call('CHANNEL_CREATE', child, callId);
    await c.waitEvents('the child account’s event', (e) => e.data['call_id'] === callId);
  });

  it('refuses every forgery with KAZOO’s text', async () => {
    const [own, victim] = [newAccountId(), newAccountId()];
    const genuine = await kit.sign({ account_id: own });
    const c = await client();
    const forged = await forgeries(kit, genuine, victim);
    for (const { kind, token } of forged) {
      const reply = await c.subscribe(token, victim, 'call.CHANNEL_CREATE.*');
      expect({ kind, reply }).toMatchObject({ kind, reply: { status: 'error', data: { errors: [`failed to authenticate token ${token}`] } } });
    }
    expect([...server.app.hub.index.allRooms()].filter((r) => r.accountId === victim)).toEqual([]);
  });

  it.each(['websocket', 'socketio-v2'] as const)('%s: a token that expires mid-session ends its subscriptions with "token expired", then their connection', async (generation) => {
    const [a, b] = [newAccountId(), newAccountId()];
    const shortLived = await kit.sign({ account_id: a }, { expiresInSeconds: 2 });
    const longLived = await kit.sign({ account_id: b });
    const c = await client(generation);
    const other = await client(generation);
    expect((await c.subscribe(shortLived, a, 'call.CHANNEL_CREATE.*')).status).toBe('success');
    expect((await c.subscribe(longLived, b, 'call.CHANNEL_CREATE.*')).status).toBe('success');
    expect((await other.subscribe(longLived, b, 'call.CHANNEL_CREATE.*')).status).toBe('success');

    const notice = await c.nextReply((r) => r.status === 'error', 4000);
    expect(notice.data.errors).toEqual([`failed to authenticate token ${shortLived}: token expired, its subscriptions ended`]);
    expect(notice.data).toMatchObject({ account_id: a, unsubscribed: ['call.CHANNEL_CREATE.*'] });
    if (c instanceof SocketIoV2Client) expect(await c.waitNamed('auth_failure')).toEqual({ message: 'invalid auth token', cause: shortLived });
    await c.ended();

    const [lost, sentinel] = [newCallId(), newCallId()];
    await kazoo.call('CHANNEL_CREATE', a, lost);
    await kazoo.call('CHANNEL_CREATE', b, sentinel);
    // The long-lived token's connection is untouched.
    await other.waitEvents('the sentinel', (e) => e.data['call_id'] === sentinel);
    expect(c.events((e) => e.data['call_id'] === lost)).toEqual([]);
    expect(server.app.security.counters.subscriptionsRevoked).toBeGreaterThanOrEqual(1);
  });
});

describe('jwt driver with EH_JWT_ISSUER and EH_JWT_AUDIENCE', () => {
  let kit: JwtKit;
  let server: TestServer;
  beforeAll(async () => {
    kit = await jwtKit('RS256', 'pem');
    server = await startTestServer({ auth: 'jwt', jwtPublicKey: kit.keyFile, jwtIssuer: 'kazoo.example.com', jwtAudience: 'event-horizon', maxAuthFailuresPerIp: 0 });
  });
  afterAll(() => server.stop());

  it('accepts a token with both claims and refuses one whose issuer or audience is missing or wrong', async () => {
    const account = newAccountId();
    const c = await connectClient('websocket', server.url);
    open.push(c);
    const good = await kit.sign({ account_id: account, iss: 'kazoo.example.com', aud: ['crossbar', 'event-horizon'] });
    expect((await c.subscribe(good, account, 'call.CHANNEL_CREATE.*')).status).toBe('success');
    for (const claims of [{}, { iss: 'evil.example.com', aud: 'event-horizon' }, { iss: 'kazoo.example.com' }, { iss: 'kazoo.example.com', aud: 'crossbar' }]) {
      const token = await kit.sign({ account_id: account, ...claims });
      expect({ claims, reply: await c.subscribe(token, account, 'call.CHANNEL_DESTROY.*') }).toMatchObject({ claims, reply: { status: 'error', data: { errors: [`failed to authenticate token ${token}`] } } });
    }
  });
});

describe('jwt driver: key rotation', () => {
  it.each([
    ['a single node', {}],
    ['a cluster node', { redisUrl: process.env['EH_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379', redisPrefix: `eh-test-${newAccountId().slice(0, 8)}` }],
  ] as const)('%s: tokens the new key does not verify lose their subscriptions as soon as the key file changes', async (_name, extra) => {
    const [oldKit, newKit] = [await jwtKit('RS256', 'pem'), await jwtKit('RS256', 'pem')];
    // Only credential changes trigger re-validation here (no periodic round).
    const server = await startTestServer({ auth: 'jwt', jwtPublicKey: oldKit.keyFile, maxAuthFailuresPerIp: 0, authRecheckSeconds: 0, ...extra });
    try {
      const account = newAccountId();
      const token = await oldKit.sign({ account_id: account });
      const c = await connectClient('websocket', server.url);
      open.push(c);
      expect((await c.subscribe(token, account, 'call.CHANNEL_CREATE.*')).status).toBe('success');
      // The old key was compromised: the operator puts the new one in its place.
      fs.writeFileSync(oldKit.keyFile, fs.readFileSync(newKit.keyFile));
      const notice = await c.nextReply((r) => r.status === 'error', 5000);
      expect(notice.data).toMatchObject({ errors: [`failed to authenticate token ${token}: token revoked or expired, its subscriptions ended`], account_id: account });
    } finally {
      await server.stop();
    }
  });
});

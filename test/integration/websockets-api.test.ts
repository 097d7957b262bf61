// Crossbar's websockets API on the bridge: the catalogue, an account's live connections and one
// connection, in Crossbar's envelope; 401, 403, 404 and 405 in the same envelope.
import { connectClient, EnvelopeClient, Generation } from '../helpers/clients';
import { startTestServer, TestServer } from '../helpers/server';
import { DEFAULT_FAMILIES } from '../../src/bindings/catalogue';

let server: TestServer;
const open: EnvelopeClient[] = [];

beforeAll(async () => {
  server = await startTestServer();
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});
afterAll(async () => {
  await server.stop();
});

async function client(generation: Generation): Promise<EnvelopeClient> {
  const c = await connectClient(generation, server.url);
  open.push(c);
  return c;
}

async function get(path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const res = await fetch(server.url + path, { method, headers });
  return { status: res.status, body: (await res.json()) as Record<string, unknown>, headers: res.headers };
}

type SessionView = { websocket_session_id: string; bindings: string[]; transport: string; subscriptions: Array<Record<string, unknown>> };

describe('GET /v2/websockets', () => {
  it('lists every family\'s bindings as KAZOO\'s blackhole `bindings` config does, without a token as Crossbar does', async () => {
    const { status, body, headers } = await get('/v2/websockets', { 'X-Request-ID': 'req-1' });
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: 'success', request_id: 'req-1', auth_token: '', revision: expect.stringMatching(/^[0-9a-f]{32}$/), version: expect.any(String) });
    expect(Object.keys(body['data'] as object)).toEqual(DEFAULT_FAMILIES.map((f) => f.name));
    expect((body['data'] as Record<string, string[]>)['fax']).toEqual(['fax.status.{FAX_ID}', 'fax.status.*', 'fax.object.{ACTION}']);
    expect(headers.get('x-request-id')).toBe('req-1');
  });
});

describe('GET /v2/accounts/{ACCOUNT_ID}/websockets[/{SOCKET_ID}]', () => {
  it('lists the account\'s live connections with their bindings, names and metadata, and nothing of other accounts', async () => {
    const alice = server.addIdentity();
    const bob = server.addIdentity();
    const [ws, sio, other] = await Promise.all([client('websocket'), client('socketio-v4'), client('websocket')]);
    await ws.subscribe(alice.token, alice.accountId, ['call.CHANNEL_CREATE.*', 'fax.status.*'], { name: 'switchboard', metadata: { desk: 3 } });
    await sio.subscribe(alice.token, alice.accountId, 'object.doc_edited.user');
    await other.subscribe(bob.token, bob.accountId, 'call.*.*');

    const { status, body } = await get(`/v2/accounts/${alice.accountId}/websockets`, { 'X-Auth-Token': alice.token });
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: 'success', auth_token: alice.token });
    const views = body['data'] as SessionView[];
    expect(views.map((v) => v.bindings).sort()).toEqual([['call.CHANNEL_CREATE.*', 'fax.status.*'], ['object.doc_edited.user']]);
    const wsView = views.find((v) => v.transport === 'websocket')!;
    expect(wsView.subscriptions[0]).toMatchObject({ binding: 'call.CHANNEL_CREATE.*', name: 'switchboard', metadata: { desk: 3 } });

    const one = await get(`/v2/accounts/${alice.accountId}/websockets/${wsView.websocket_session_id}?auth_token=${alice.token}`);
    expect(one.status).toBe(200);
    expect(one.body['data']).toEqual(wsView);

    // Bob's connection does not exist for Alice.
    const bobs = (await get(`/v2/accounts/${bob.accountId}/websockets`, { 'X-Auth-Token': bob.token })).body['data'] as SessionView[];
    expect(bobs).toHaveLength(1);
    const hidden = await get(`/v2/accounts/${alice.accountId}/websockets/${bobs[0]!.websocket_session_id}`, { 'X-Auth-Token': alice.token });
    expect(hidden.status).toBe(404);
  });

  it('lets a parent account see a descendant\'s connections', async () => {
    const child = server.addIdentity();
    const parent = server.addIdentity({ descendants: [child.accountId] });
    const c = await client('socketio-v4');
    await c.subscribe(child.token, child.accountId, 'call.*.*');
    const { status, body } = await get(`/v2/accounts/${child.accountId}/websockets`, { Authorization: `Bearer ${parent.token}` });
    expect(status).toBe(200);
    expect((body['data'] as SessionView[]).map((v) => v.bindings)).toEqual([['call.*.*']]);
  });

  it.each([
    ['no token', () => ({}), 401, 'invalid_credentials', 'invalid credentials'],
    ['an unknown token', () => ({ 'X-Auth-Token': 'forged' }), 401, 'invalid_credentials', 'invalid credentials'],
    ['another account\'s token', () => ({ 'X-Auth-Token': server.addIdentity().token }), 403, 'forbidden', 'forbidden'],
  ])('answers %s with Crossbar\'s %i', async (_what, headers, code, message, text) => {
    const alice = server.addIdentity();
    const { status, body } = await get(`/v2/accounts/${alice.accountId}/websockets`, headers());
    expect(status).toBe(code);
    expect(body).toMatchObject({ status: 'error', error: String(code), message, data: { message: text } });
  });

  it('answers unknown paths with 404 and other verbs with 405, in the envelope', async () => {
    const alice = server.addIdentity();
    const unknownSocket = await get(`/v2/accounts/${alice.accountId}/websockets/nope`, { 'X-Auth-Token': alice.token });
    expect(unknownSocket).toMatchObject({ status: 404, body: { error: '404', message: 'bad_identifier', data: { message: 'bad identifier' } } });
    expect((await get('/v2/nothing')).body).toMatchObject({ error: '404', data: { not_found: 'The path requested is invalid' } });
    expect((await get('/v2/websockets', {}, 'DELETE')).body).toMatchObject({ error: '405', message: 'method_not_allowed' });
  });
});

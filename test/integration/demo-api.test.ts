// The demo page's HTTP API: binding families, the demo identity, and the simulated call (demo mode only).
import { WsClient } from '../helpers/clients';
import { startTestServer, TestServer } from '../helpers/server';
import { newAccountId, newToken } from '../helpers/ids';
import { jwtKit } from '../helpers/jwt-keys';

let demo: TestServer;
let production: TestServer;
const demoToken = newToken();
const demoAccount = newAccountId();

beforeAll(async () => {
  [demo, production] = await Promise.all([startTestServer({ demo: true }, { [demoToken]: { account_id: demoAccount } }), startTestServer({ demo: false })]);
});
afterAll(async () => {
  await Promise.all([demo.stop(), production.stop()]);
});

function post(server: TestServer, path: string, body: unknown): Promise<Response> {
  return fetch(server.url + path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
}

describe('GET /api/bindings', () => {
  it('lists every binding family with its spellings', async () => {
    const res = await fetch(production.url + '/api/bindings');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { families: Array<{ name: string; forms: Array<{ binding: string; description: string }> }> };
    expect(body.families.map((f) => f.name)).toEqual(expect.arrayContaining(['call', 'conference', 'object']));
    const call = body.families.find((f) => f.name === 'call')!;
    expect(call.forms.map((f) => f.binding)).toContain('call.*.*');
  });
});

describe('demo mode off', () => {
  it('answers 404 on every demo path', async () => {
    expect((await fetch(production.url + '/api/demo')).status).toBe(404);
    const { token, accountId } = production.addIdentity();
    expect((await post(production, '/api/demo/simulate-call', { account_id: accountId, auth_token: token })).status).toBe(404);
  });
});

describe('demo mode on', () => {
  it('tells the page which token and account to use: the first of the tokens file', async () => {
    demo.addIdentity();
    const body = await (await fetch(demo.url + '/api/demo')).json();
    expect(body).toEqual({ demo: true, auth_token: demoToken, account_id: demoAccount });
  });

  it('offers no token under JWT or Crossbar auth, even with a tokens file present (its tokens would be refused)', async () => {
    const kit = await jwtKit('RS256', 'pem');
    const jwtDemo = await startTestServer({ demo: true, auth: 'jwt', jwtPublicKey: kit.keyFile }, { [newToken()]: { account_id: newAccountId() } });
    try {
      expect(await (await fetch(jwtDemo.url + '/api/demo')).json()).toEqual({ demo: true });
    } finally {
      await jwtDemo.stop();
    }
  });

  it('refuses a simulated call without a valid token for the account', async () => {
    const alice = demo.addIdentity();
    const bob = demo.addIdentity();
    const noToken = await post(demo, '/api/demo/simulate-call', { account_id: alice.accountId });
    expect(noToken.status).toBe(400);
    const badToken = await post(demo, '/api/demo/simulate-call', { account_id: alice.accountId, auth_token: 'nope' });
    expect(badToken.status).toBe(401);
    expect(await badToken.json()).toEqual({ status: 'error', message: 'failed to authenticate token nope' });
    const foreign = await post(demo, '/api/demo/simulate-call', { account_id: bob.accountId, auth_token: alice.token });
    expect(foreign.status).toBe(403);
    expect(await foreign.json()).toEqual({ status: 'error', message: 'unauthorized account id' });
    expect((await fetch(demo.url + '/api/demo/simulate-call')).status).toBe(405);
  });

  it('publishes CHANNEL_CREATE, CHANNEL_ANSWER and CHANNEL_DESTROY through RabbitMQ as KAZOO does', async () => {
    const { token, accountId } = demo.addIdentity();
    const client = await WsClient.connect(demo.url.replace(/^http/, 'ws') + '/');
    try {
      await client.subscribe(token, accountId, 'call.*.*');
      const res = await post(demo, '/api/demo/simulate-call', { account_id: accountId, auth_token: token });
      expect(res.status).toBe(200);
      const { data } = (await res.json()) as { data: { call_id: string } };
      const events = await client.waitEvents('the simulated call', (e) => e.data['call_id'] === data.call_id, 3);
      expect(events.map((e) => e.name)).toEqual(['CHANNEL_CREATE', 'CHANNEL_ANSWER', 'CHANNEL_DESTROY']);
      expect(events.every((e) => e.routing_key.startsWith(`call.${accountId}.`))).toBe(true);
    } finally {
      await client.close();
    }
  });
});

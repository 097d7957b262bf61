// The operator API on a single node (no Redis): the admin token guards it, bodies are validated,
// stats answer for the node, and a broadcast reaches the room's local members of every generation.
import { randomBytes } from 'node:crypto';
import { SocketIoV4Client, WsClient } from '../helpers/clients';
import { pollUntil } from '../helpers/wait';
import { startTestServer, TestServer } from '../helpers/server';

const ADMIN = `admin-${randomBytes(12).toString('hex')}`;
let server: TestServer;
let off: TestServer;
const open: Array<{ close(): Promise<void> }> = [];

beforeAll(async () => {
  [server, off] = await Promise.all([startTestServer({ adminToken: ADMIN }), startTestServer()]);
});
afterAll(async () => {
  await Promise.allSettled(open.map((c) => c.close()));
  await Promise.all([server?.stop(), off?.stop()]);
});

function call(path: string, init: { method?: string; token?: string | null; body?: string } = {}, target = server): Promise<Response> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (init.token !== null) headers['Authorization'] = `Bearer ${init.token ?? ADMIN}`;
  return fetch(`${target.url}${path}`, { method: init.method ?? (init.body === undefined ? 'GET' : 'POST'), headers, body: init.body });
}

it('answers 403 while EH_ADMIN_TOKEN is unset, 401 without the right token, 405 on the wrong method', async () => {
  const disabled = await call('/api/stats', {}, off);
  expect(disabled.status).toBe(403);
  expect(await disabled.json()).toEqual({ status: 'error', message: 'the admin API is off: set EH_ADMIN_TOKEN to use it' });
  expect((await call('/api/stats', { token: null })).status).toBe(401);
  const wrong = await call('/api/broadcast', { token: 'not-the-admin-token', body: '{}' });
  expect(wrong.status).toBe(401);
  expect(wrong.headers.get('www-authenticate')).toBe('Bearer');
  expect((await call('/api/broadcast')).status).toBe(405);
  const xAuth = await fetch(`${server.url}/api/stats`, { headers: { 'X-Auth-Token': ADMIN } });
  expect(xAuth.status).toBe(200);
});

it.each([
  ['{"room":"a/b"}', '"event" is required'],
  ['{"room":"a/b","event":"message"}', '"event" contains an invalid value'],
  ['{"room":"a/b","account_id":"a","binding":"b","event":"x"}', 'contains a conflict between exclusive peers'],
  ['{"account_id":"a","event":"x"}', 'contains [account_id] without its required peers [binding]'],
  ['{"room":"nobinding","event":"x"}', 'fails to match the account_id/binding pattern'],
  ['{"room":"a/b","event":"x","data":[1]}', '"data" must be of type object'],
  ['{not json', 'invalid JSON'],
])('refuses the broadcast body %s with 400', async (body, message) => {
  const res = await call('/api/broadcast', { body });
  expect(res.status).toBe(400);
  expect(((await res.json()) as { message: string }).message).toContain(message);
});

it('counts this node\'s connections and subscriptions, and pushes a broadcast to every local member once', async () => {
  const { token, accountId } = server.addIdentity();
  const ws = await WsClient.connect(server.url.replace('http', 'ws') + '/');
  const sio = await SocketIoV4Client.connect(server.url);
  open.push(ws, sio);
  for (const c of [ws, sio]) expect((await c.subscribe(token, accountId, 'call.*.*')).status).toBe('success');

  const stats = await pollUntil('the account in the stats', async () => {
    const body = (await (await call(`/api/stats?account_id=${accountId}`)).json()) as { data: { scope: string; nodes: number; accounts: Record<string, unknown> } };
    return body.data.accounts[accountId] ? body.data : undefined;
  });
  expect(stats).toMatchObject({ scope: 'local', nodes: 1, accounts: { [accountId]: { connections: 2, subscriptions: 2 } } });

  const res = await call('/api/broadcast', { body: JSON.stringify({ account_id: accountId, binding: 'call.*.*', event: 'maintenance', data: { at: '22:00' } }) });
  expect(res.status).toBe(200);
  expect(((await res.json()) as { data: unknown }).data).toMatchObject({ room: `${accountId}/call.*.*`, members: 2 });
  const envelope = { action: 'event', subscribed_key: 'call.*.*', subscription_key: 'call.*.*', name: 'maintenance', routing_key: 'broadcast', data: { at: '22:00' } };
  expect(await ws.waitEvents('the broadcast', (e) => e.routing_key === 'broadcast')).toEqual([envelope]);
  expect(await sio.waitEvents('the broadcast', (e) => e.routing_key === 'broadcast')).toEqual([envelope]);
  expect(await sio.waitNamed('maintenance')).toEqual({ at: '22:00' });
});

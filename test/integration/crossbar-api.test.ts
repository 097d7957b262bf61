// The api action against a real HTTP server standing in for Crossbar: the request goes out with the
// client's token, verb, path and body; the answer comes back under the same request_id.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { connectClient, EnvelopeClient, Generation } from '../helpers/clients';
import { startTestServer, TestServer } from '../helpers/server';
import type { Config } from '../../src/config';

interface Seen {
  method: string;
  url: string;
  token: string | undefined;
  body: string;
}

let crossbar: http.Server;
let crossbarUrl: string;
const seen: Seen[] = [];
let enabled: TestServer;
let disabled: TestServer;
const open: EnvelopeClient[] = [];

beforeAll(async () => {
  crossbar = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, token: req.headers['x-auth-token'] as string | undefined, body });
      const missing = req.url!.includes('/missing');
      const text = JSON.stringify(missing
        ? { data: { message: 'bad identifier', not_found: 'The path requested is invalid' }, error: '404', message: 'bad_identifier', status: 'error' }
        : { data: { echoed: body === '' ? null : JSON.parse(body), path: req.url }, status: 'success', request_id: 'cb-1' });
      res.writeHead(missing ? 404 : 200, { 'Content-Type': 'application/json' });
      res.end(text);
    });
  });
  await new Promise<void>((resolve) => crossbar.listen(0, '127.0.0.1', resolve));
  crossbarUrl = `http://127.0.0.1:${(crossbar.address() as AddressInfo).port}/v2`;
  [enabled, disabled] = await Promise.all([startTestServer({ crossbarUrl } as Partial<Config>), startTestServer()]);
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
  seen.length = 0;
});
afterAll(async () => {
  await Promise.all([enabled.stop(), disabled.stop()]);
  await new Promise((resolve) => crossbar.close(resolve));
});

async function client(server: TestServer, generation: Generation): Promise<EnvelopeClient> {
  const c = await connectClient(generation, server.url);
  open.push(c);
  return c;
}

describe.each(['websocket', 'socketio-v4'] as Generation[])('%s client', (generation) => {
  it('GETs with the client\'s token and replies under the same request_id', async () => {
    const id = enabled.addIdentity();
    const c = await client(enabled, generation);
    const reply = await c.request({ action: 'api', auth_token: id.token, request_id: 'api-1', data: { verb: 'get', path: `/v2/accounts/${id.accountId}/users` } });
    expect(reply).toEqual({
      action: 'reply', request_id: 'api-1', status: 'success',
      data: { status_code: 200, response: { data: { echoed: null, path: `/v2/accounts/${id.accountId}/users` }, status: 'success', request_id: 'cb-1' } },
    });
    expect(seen).toEqual([{ method: 'GET', url: `/v2/accounts/${id.accountId}/users`, token: id.token, body: '' }]);
  });

  it('sends the body of a PUT as JSON', async () => {
    const id = enabled.addIdentity();
    const c = await client(enabled, generation);
    const body = { data: { first_name: 'Ann' } };
    const reply = await c.request({ action: 'api', auth_token: id.token, data: { verb: 'PUT', path: `/accounts/${id.accountId}/users`, body } });
    expect(reply.data['response']).toMatchObject({ data: { echoed: body } });
    expect(seen[0]).toMatchObject({ method: 'PUT', url: `/v2/accounts/${id.accountId}/users` });
  });

  it('turns a Crossbar error into an error reply carrying the status and the answer', async () => {
    const id = enabled.addIdentity();
    const c = await client(enabled, generation);
    const reply = await c.request({ action: 'api', auth_token: id.token, request_id: 'api-404', data: { verb: 'GET', path: '/v2/missing' } });
    expect(reply).toMatchObject({
      request_id: 'api-404', status: 'error',
      data: { errors: ['crossbar answered 404: bad identifier'], status_code: 404, response: { error: '404', message: 'bad_identifier' } },
    });
  });

  it('asks Crossbar nothing for a token the bridge refuses', async () => {
    const c = await client(enabled, generation);
    const reply = await c.request({ action: 'api', auth_token: 'forged', data: { verb: 'GET', path: '/v2/accounts' } });
    expect(reply.data.errors).toEqual(['failed to authenticate token forged']);
    expect(seen).toEqual([]);
  });

  it.each(['/v2/../../x', '/../x', '/%2e%2e/%2e%2e/x'])('refuses %s, which leaves the /v2 base once normalised, and asks Crossbar nothing', async (path) => {
    const id = enabled.addIdentity();
    const c = await client(enabled, generation);
    const reply = await c.request({ action: 'api', auth_token: id.token, request_id: 'escape', data: { verb: 'GET', path } });
    expect(reply).toEqual({
      action: 'reply', request_id: 'escape', status: 'error',
      data: { errors: [`invalid message: "path" ${JSON.stringify(path)} leaves the Crossbar base ${crossbarUrl} (".." segments, encoded dots or separators)`] },
    });
    // The control: a path inside the base on the same connection reaches Crossbar, and only it did.
    expect((await c.request({ action: 'api', auth_token: id.token, data: { verb: 'GET', path: '/v2/accounts/../users' } })).status).toBe('success');
    expect(seen.map((s) => s.url)).toEqual(['/v2/users']);
  });

  it('is disabled with a clear error when no Crossbar URL is configured', async () => {
    const id = disabled.addIdentity();
    const c = await client(disabled, generation);
    const reply = await c.request({ action: 'api', auth_token: id.token, request_id: 'off', data: { verb: 'GET', path: '/v2/accounts' } });
    expect(reply).toEqual({ action: 'reply', request_id: 'off', status: 'error', data: { errors: ['api is disabled: no Crossbar URL is configured (set EH_CROSSBAR_URL)'] } });
  });
});

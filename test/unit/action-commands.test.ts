// publish_app_event and api envelopes: what parses, the exact texts for what does not, and the
// Crossbar URL guard that keeps api requests on the configured server.
import { parseEnvelope } from '../../src/protocol/commands';
import { crossbarUrl } from '../../src/hub/actions/crossbar-api';
import { appEventMessage } from '../../src/hub/actions/publish-app-event';

const A = '0123456789abcdef0123456789abcdef';

function errorOf(value: unknown): string {
  const r = parseEnvelope(value);
  if (r.ok) throw new Error('expected an error');
  return (r.reply.data['errors'] as string[])[0]!;
}

describe('publish_app_event', () => {
  it('parses account, app, event and payload', () => {
    const r = parseEnvelope({ action: 'publish_app_event', auth_token: 't', request_id: 'r', data: { account_id: A, app: 'crm', event: 'ticket-1', payload: { id: 7 } } });
    expect(r).toEqual({ ok: true, command: { action: 'publish_app_event', requestId: 'r', authToken: 't', event: { accountId: A, app: 'crm', event: 'ticket-1', payload: { id: 7 } } } });
  });

  it.each([
    [undefined, 'missing required keys in data object'],
    [{ account_id: A }, 'missing required keys : app, event'],
    [{ app: 'crm' }, 'missing required keys : account_id, event'],
    [{ account_id: '*', app: 'crm', event: 'x' }, 'invalid message: "account_id" must be one account: 32 lowercase hex characters (an app event cannot go to every account)'],
    [{ account_id: A, app: 'c.rm', event: 'x' }, 'invalid message: "app" must be 1 to 64 letters, digits, "_" or "-"'],
    [{ account_id: A, app: 'crm', event: 'x', payload: [1] }, 'invalid message: "payload" must be a JSON object'],
  ])('refuses data %j', (data, text) => {
    expect(errorOf({ action: 'publish_app_event', auth_token: 't', data })).toBe(text);
  });

  it('builds a KAZOO API message with default headers and the data under Data', () => {
    const msg = appEventMessage({ accountId: A, app: 'crm', event: 'ticket', payload: { id: 7 } }, 'm1', '1.2.3');
    expect(msg).toMatchObject({ 'Account-ID': A, 'App-Name': 'crm', 'App-Version': '1.2.3', 'Event-Category': 'app_event', 'Event-Name': 'ticket', 'Msg-ID': 'm1', Data: { id: 7 } });
    expect(msg['Node']).toMatch(/^event-horizon@/);
  });
});

describe('api', () => {
  it('parses verb (any case), path and body', () => {
    const r = parseEnvelope({ action: 'api', auth_token: 't', request_id: 'r', data: { verb: 'post', path: `/v2/accounts/${A}/users?x=1`, body: { data: {} } } });
    expect(r).toEqual({ ok: true, command: { action: 'api', requestId: 'r', authToken: 't', request: { verb: 'POST', path: `/v2/accounts/${A}/users?x=1`, body: { data: {} } } } });
  });

  it.each([
    [{ path: '/v2' }, 'missing required keys : verb'],
    [{ verb: 'GET', path: 'http://evil.example/v2' }, /^invalid message: "path" must be a path on the Crossbar server/],
    [{ verb: 'GET', path: '//evil.example/v2' }, /^invalid message: "path" must be a path on the Crossbar server/],
    [{ verb: 'TRACE', path: '/v2' }, 'invalid message: "verb" must be one of GET, PUT, POST, PATCH, DELETE'],
  ])('refuses data %j', (data, text) => {
    expect(errorOf({ action: 'api', auth_token: 't', data })).toEqual(typeof text === 'string' ? text : expect.stringMatching(text));
  });

  it('resolves paths under the base URL and never off its origin', () => {
    expect(crossbarUrl('http://cb:8000', '/v2/accounts')!.href).toBe('http://cb:8000/v2/accounts');
    expect(crossbarUrl('http://cb:8000/crossbar/', '/v2/x?y=1')!.href).toBe('http://cb:8000/crossbar/v2/x?y=1');
    expect(crossbarUrl('http://cb:8000', '/@evil.example/')!.origin).toBe('http://cb:8000');
    expect(crossbarUrl('http://cb:8000/v2', '/v2/accounts/x')!.href).toBe('http://cb:8000/v2/accounts/x');
    expect(crossbarUrl('http://cb:8000/v2/', '/accounts/x')!.href).toBe('http://cb:8000/v2/accounts/x');
  });

  it.each(['/v2/../../x', '/../x', '/%2e%2e/%2e%2e/x', '/v2/%2E%2e/x', '/v2/accounts/..%2f..%2fx', '/v2/a%5c..%5c..%5cx', '/./../x?y=/v2/'])(
    'refuses %s: normalised, it leaves the base /v2',
    (path) => {
      expect(crossbarUrl('http://cb:8000/v2', path)).toBeUndefined();
    },
  );

  it('keeps a path whose dot segments resolve inside the base, normalised', () => {
    expect(crossbarUrl('http://cb:8000/v2', '/v2/accounts/../users')!.href).toBe('http://cb:8000/v2/users');
    expect(crossbarUrl('http://cb:8000/v2', '/accounts/./x/%2e%2e/y')!.href).toBe('http://cb:8000/v2/accounts/y');
  });
});

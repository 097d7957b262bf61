import { parseEnvelope, parseText, legacyEmitToEnvelope } from '../../src/protocol/commands';

const ACCOUNT = '0123456789abcdef0123456789abcdef';

function errorOf(result: ReturnType<typeof parseText>): string {
  if (result.ok) throw new Error('expected an error');
  return (result.reply.data['errors'] as string[])[0]!;
}

describe('inbound command parsing', () => {
  it('treats a missing or empty action as noop', () => {
    expect(parseEnvelope({})).toMatchObject({ ok: true, command: { action: 'noop' } });
    expect(parseEnvelope({ action: '' })).toMatchObject({ ok: true, command: { action: 'noop' } });
  });

  it('echoes a string request_id and invents a 32-hex one otherwise', () => {
    const echoed = parseEnvelope({ action: 'bogus', request_id: 'r-1' });
    expect(!echoed.ok && echoed.reply.request_id).toBe('r-1');
    const invented = parseEnvelope({ action: 'bogus', request_id: 42 });
    expect(!invented.ok && invented.reply.request_id).toMatch(/^[0-9a-f]{32}$/);
  });

  it.each([
    ['not json', /^invalid JSON: /],
    ['[1]', /^message must be a JSON object/],
    ['"x"', /^message must be a JSON object/],
    ['{"action":"dance"}', /^unknown action dance: expected one of subscribe, unsubscribe, ping, .*noop/],
    ['{"action":5}', /^invalid message: "action" must be a string/],
    ['{"action":"subscribe","auth_token":"t"}', /^missing required keys in data object$/],
    ['{"action":"subscribe","auth_token":"t","data":"str"}', /^missing required keys in data object$/],
    ['{"action":"subscribe","auth_token":"t","data":{"foo":1}}', /^missing required keys : account_id, binding$/],
    [`{"action":"subscribe","auth_token":"t","data":{"account_id":"${ACCOUNT}"}}`, /^missing required keys : binding$/],
    ['{"action":"subscribe","auth_token":"t","data":{"binding":"call.*.*"}}', /^missing required keys : account_id$/],
    ['{"action":"subscribe","auth_token":"t","data":{"account_id":"ABC","binding":"call.*.*"}}', /"account_id" must be 32 lowercase hex characters/],
    [`{"action":"subscribe","auth_token":"t","data":{"account_id":"${ACCOUNT}","binding":7}}`, /"binding" must be a string/],
    [`{"action":"subscribe","auth_token":"t","data":{"account_id":"${ACCOUNT}","bindings":[]}}`, /"bindings" must not be empty/],
  ])('%s → a clear error', (text, expected) => {
    expect(errorOf(parseText(text))).toMatch(expected);
  });

  it('lets binding win over bindings, and de-duplicates bindings', () => {
    const both = parseEnvelope({ action: 'subscribe', auth_token: 't', data: { account_id: ACCOUNT, binding: 'a.b', bindings: ['c.d'] } });
    expect(both).toMatchObject({ ok: true, command: { target: { bindings: ['a.b'] } } });
    const list = parseEnvelope({ action: 'subscribe', auth_token: 't', data: { account_id: ACCOUNT, bindings: ['c.d', 'c.d', 'e.f'] } });
    expect(list).toMatchObject({ ok: true, command: { target: { bindings: ['c.d', 'e.f'] } } });
  });

  it('keeps name and metadata', () => {
    const r = parseEnvelope({ action: 'subscribe', auth_token: 't', data: { account_id: ACCOUNT, binding: 'a.b', name: 'My socket', metadata: { k: 1 } } });
    expect(r).toMatchObject({ ok: true, command: { target: { name: 'My socket', metadata: { k: 1 } } } });
  });

  it('reads unsubscribe with no data or no account_id as unsubscribe-all', () => {
    expect(parseEnvelope({ action: 'unsubscribe', auth_token: 't' })).toMatchObject({ ok: true, command: { target: 'all' } });
    expect(parseEnvelope({ action: 'unsubscribe', auth_token: 't', data: { binding: 'x' } })).toMatchObject({ ok: true, command: { target: 'all' } });
  });

  it('flattens a legacy Socket.IO emit into an envelope', () => {
    expect(legacyEmitToEnvelope('subscribe', { account_id: ACCOUNT, auth_token: 't', binding: 'call.*.*' })).toEqual({
      action: 'subscribe', auth_token: 't', request_id: undefined, data: { account_id: ACCOUNT, binding: 'call.*.*' },
    });
  });
});

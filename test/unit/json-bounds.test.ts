// Depth and size bounds of client structures, measured without recursion, and where parsing applies them.
import { breachText, CLIENT_BOUNDS, measureJson } from '../../src/protocol/json-bounds';
import { parseEnvelope, parseText } from '../../src/protocol/commands';
import { scanRequestId } from '../../src/protocol/request-id';

const A = '0123456789abcdef0123456789abcdef';

/** `[[[…1…]]]` nested `levels` deep, built without recursion. */
function nested(levels: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < levels; i++) v = [v];
  return v;
}

function errorOf(value: unknown): string | undefined {
  const parsed = parseEnvelope(value);
  return parsed.ok ? undefined : (parsed.reply.data['errors'] as string[])[0];
}

describe('measureJson', () => {
  it('counts depth as levels of containers and reports where it broke', () => {
    expect(measureJson({ a: [[]] }, { maxDepth: 3 })).toBeUndefined();
    expect(measureJson({ a: [[[]]] }, { maxDepth: 3 })).toEqual({ kind: 'depth', path: 'a[0][0]' });
    expect(measureJson(1, { maxDepth: 0 })).toBeUndefined();
  });

  it('walks 100,000 levels without a stack overflow', () => {
    expect(measureJson(nested(100_000), { maxDepth: 64 })).toMatchObject({ kind: 'depth' });
  });

  it('estimates JSON bytes close to JSON.stringify for plain data', () => {
    const value = { name: 'Ann', list: [1, 2, true, null, { x: 'é' }], n: 12.5 };
    const exact = Buffer.byteLength(JSON.stringify(value));
    expect(measureJson(value, { maxDepth: 10, maxBytes: exact })).toBeUndefined();
    expect(measureJson(value, { maxDepth: 10, maxBytes: exact - 5 })).toMatchObject({ kind: 'bytes' });
  });

  it('says the breach in words', () => {
    expect(breachText('"data.metadata"', { kind: 'depth', path: 'x[0][0]…' }, CLIENT_BOUNDS.metadata)).toBe('"data.metadata" nests deeper than 8 levels (at x[0][0]…)');
  });
});

describe('bounds where data enters', () => {
  it('refuses a subscribe whose metadata nests 6,000 levels (12 KB) with the cause, not a crash later', () => {
    const deep = '['.repeat(6000) + ']'.repeat(6000); // as a client writes it: JSON.stringify could not
    const text = `{"action":"subscribe","auth_token":"t","request_id":"deep","data":{"account_id":"${A}","binding":"call.*.*","metadata":{"x":${deep}}}}`;
    const parsed = parseText(text);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.reply.request_id).toBe('deep');
    expect(parsed.reply.data['errors']).toEqual(['invalid message: the message nests deeper than 64 levels (at data.metadata.x…)']);
  });

  it('bounds metadata to 8 levels and 4 KiB', () => {
    const base = { action: 'subscribe', auth_token: 't', data: { account_id: A, binding: 'call.*.*' } };
    expect(errorOf({ ...base, data: { ...base.data, metadata: { x: nested(8) } } })).toBe('invalid message: "data.metadata" nests deeper than 8 levels (at x[0][0]…)');
    expect(errorOf({ ...base, data: { ...base.data, metadata: { x: 'a'.repeat(5000) } } })).toMatch(/^invalid message: "data.metadata" is too large: about 50\d\d bytes of JSON, at most 4096$/);
    expect(errorOf({ ...base, data: { ...base.data, metadata: { crm: { ticket: [1, 2] } } } })).toBeUndefined();
  });

  it('bounds app-event payloads and api bodies to 32 levels and 64 KiB, naming the field', () => {
    const app = { action: 'publish_app_event', auth_token: 't', data: { account_id: A, app: 'crm', event: 'x', payload: { p: nested(40) } } };
    expect(errorOf(app)).toBe('invalid message: "data.payload" nests deeper than 32 levels (at p[0][0]…)');
    const api = { action: 'api', auth_token: 't', data: { verb: 'PUT', path: '/v2/x', body: { b: 'z'.repeat(70000) } } };
    expect(errorOf(api)).toMatch(/^invalid message: "data.body" is too large: about 700\d\d bytes of JSON, at most 65536$/);
  });

  it('bounds auth_token to 8192 characters', () => {
    expect(errorOf({ action: 'ping', auth_token: 't'.repeat(8193) })).toBe('invalid message: "auth_token" is longer than any token: at most 8192 characters');
    expect(errorOf({ action: 'ping', auth_token: 't'.repeat(8192) })).toBeUndefined();
  });

  it('bounds the envelope itself, unknown fields included', () => {
    expect(errorOf({ action: 'ping', auth_token: 't', extra: nested(70) })).toBe('invalid message: the message nests deeper than 64 levels (at extra[0][0]…)');
  });
});

describe('scanRequestId', () => {
  it('finds the envelope\'s own string request_id without parsing the rest', () => {
    expect(scanRequestId('{"action":"ping","request_id":"r1","data":{"x":"' + 'y'.repeat(1000))).toBe('r1');
    expect(scanRequestId('{ "request_id" : "a\\"b" }')).toBe('a"b');
  });

  it('skips nested keys and strings that only look like the key', () => {
    expect(scanRequestId('{"data":{"request_id":"inner"},"request_id":"outer"}')).toBe('outer');
    expect(scanRequestId('{"x":"\\"request_id\\":\\"no\\"","request_id":"yes"}')).toBe('yes');
  });

  it('gives nothing for a missing, non-string or unreachable id', () => {
    expect(scanRequestId('{"request_id":7}')).toBeUndefined();
    expect(scanRequestId('{"request_id":""}')).toBeUndefined();
    expect(scanRequestId('{"x":"' + 'y'.repeat(70000) + '","request_id":"late"}')).toBeUndefined();
    expect(scanRequestId('not json')).toBeUndefined();
  });

  it('reads an envelope at another depth (inside a 0.9 event packet\'s args)', () => {
    expect(scanRequestId('{"name":"subscribe","args":[{"request_id":"l1"}]}', 3)).toBe('l1');
  });
});

// Envelopes with one client structure nested deeply (up to thousands of levels), written as JSON text,
// since JSON.stringify itself overflows its stack on them: the fuzz test's deep-nesting case.
import fc from 'fast-check';

/** Where the deep structure goes in the envelope. */
export const DEEP_PLACES = ['metadata', 'payload', 'body', 'data', 'request_id', 'extra', 'name', 'binding'] as const;
export type DeepPlace = (typeof DEEP_PLACES)[number];

export interface DeepCase {
  action: 'subscribe' | 'unsubscribe' | 'publish_app_event' | 'api' | 'ping';
  place: DeepPlace;
  depth: number;
  /** Which levels are objects (`{"k":…}`) rather than arrays, by bit. */
  shape: number;
  validToken: boolean;
  requestId: string;
}

/**
 * JSON text nested `depth` levels around `1`, arrays and objects mixed by `shape`.
 * @example nestedText(3, 0b010) // '[{"k":[1]}]'
 */
export function nestedText(depth: number, shape: number): string {
  const open: string[] = [];
  const close: string[] = [];
  for (let i = 0; i < depth; i++) {
    const object = ((shape >>> i % 31) & 1) === 1;
    open.push(object ? '{"k":' : '[');
    close.push(object ? '}' : ']');
  }
  return open.join('') + '1' + close.reverse().join('');
}

/**
 * The envelope of a case as text; `token`/`accountId` are used when the case asks for a valid token.
 * Depths go from harmless (a subscribe with such metadata succeeds) to thousands of levels.
 */
export function deepEnvelopeText(c: DeepCase, token: string, accountId: string): string {
  const deep = nestedText(c.depth, c.shape);
  const fields: Record<string, string> = {
    account_id: JSON.stringify(accountId),
    binding: '"call.CHANNEL_CREATE.*"',
    app: '"crm"',
    event: '"fuzzed"',
    verb: '"GET"',
    path: '"/v2/accounts"',
  };
  const key = { metadata: 'metadata', payload: 'payload', body: 'body', name: 'name', binding: 'binding' }[c.place as string];
  if (key) fields[key] = c.place === 'metadata' || c.place === 'payload' ? `{"x":${deep}}` : deep;
  const data = c.place === 'data' ? deep : `{${Object.entries(fields).map(([k, v]) => `"${k}":${v}`).join(',')}}`;
  const requestId = c.place === 'request_id' ? deep : JSON.stringify(c.requestId);
  const extra = c.place === 'extra' ? `,"extra":${deep}` : '';
  return `{"action":"${c.action}","auth_token":${JSON.stringify(c.validToken ? token : 'not-a-token')},"request_id":${requestId},"data":${data}${extra}}`;
}

/**
 * `n` deep cases: a third shallow (within every bound), a third just past the bounds, a third thousands deep.
 * @example deepCases(300, 7).map((c) => deepEnvelopeText(c, token, accountId))
 */
export function deepCases(n: number, seed: number): DeepCase[] {
  const depth = fc.oneof(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 7, max: 80 }), fc.integer({ min: 1000, max: 9000 }));
  return fc.sample(
    fc.record({
      action: fc.constantFrom('subscribe', 'subscribe', 'unsubscribe', 'publish_app_event', 'api', 'ping'),
      place: fc.constantFrom(...DEEP_PLACES),
      depth,
      shape: fc.nat(),
      validToken: fc.boolean(),
      requestId: fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 8, maxLength: 8 }),
    }),
    { numRuns: n, seed },
  ) as DeepCase[];
}

// Owns the `call.{EVENT}.{CALL_ID}` binding family: KAZOO call events on the `callevt` exchange.
// Accounts are read from the payload, as KAZOO's hooks do; events without an account are dropped.
import { canonicalKeyPart, encodeKeyPart } from '../key-encoding';
import { BindingFamily, invalidFormat, stringField } from '../family';

/** The call events KAZOO's Blackhole offers, in KAZOO's order. */
export const CALL_EVENTS = [
  'CHANNEL_CREATE',
  'CHANNEL_ANSWER',
  'CHANNEL_DESTROY',
  'CHANNEL_HOLD',
  'CHANNEL_UNHOLD',
  'CHANNEL_BRIDGE',
  'PARK_PARKED',
  'PARK_RETRIEVED',
  'PARK_ABANDONED',
] as const;

const EXCHANGE = 'callevt';
const SUPPORTED = new Set<string>(CALL_EVENTS);

function accountOf(payload: Record<string, unknown>): string | undefined {
  const ccv = payload['Custom-Channel-Vars'];
  const fromCcv = ccv && typeof ccv === 'object' ? stringField(ccv as Record<string, unknown>, 'Account-ID') : undefined;
  return fromCcv ?? stringField(payload, 'Account-ID');
}

export const callFamily: BindingFamily = {
  name: 'call',
  exchanges: [EXCHANGE],
  forms: [
    { binding: 'call.{EVENT}.{CALL_ID}', description: `one call event (${CALL_EVENTS.join(', ')}) of one call` },
    { binding: 'call.{EVENT}.*', description: 'one call event of every call of the account' },
    { binding: 'call.*.*', description: 'every call event of every call of the account' },
  ],
  owns: (words) => words[0] === 'call',
  plan(words, binding, accountId) {
    const keys = words.slice(1);
    if (keys.length !== 2) return { ok: false, error: invalidFormat('call', keys) };
    const [event, rawCallId] = keys as [string, string];
    if (event !== '*' && !SUPPORTED.has(event)) return { ok: false, error: `event ${event} not supported` };
    const callId = canonicalKeyPart(rawCallId);
    const events = event === '*' ? CALL_EVENTS : [event];
    return {
      ok: true,
      plan: {
        requested: binding,
        keys: events.map((e) => {
          const key = `call.${accountId}.${e}.${callId}`;
          return { display: key, matchPattern: key };
        }),
        amqp: events.map((e) => ({ exchange: EXCHANGE, routingKey: `call.${e}.${callId}` })),
      },
    };
  },
  route(exchange, routingKey, payload) {
    if (exchange !== EXCHANGE) return null;
    const name = stringField(payload, 'Event-Name') ?? routingKey.split('.')[1];
    if (!name || !SUPPORTED.has(name)) return null;
    const account = accountOf(payload);
    const callId = stringField(payload, 'Call-ID');
    if (!account || !callId) return null;
    const key = `call.${account}.${name}.${encodeKeyPart(callId)}`;
    return { matchKey: key, routingKey: key, name, socketEventName: name, socketPayloadNormalized: false };
  },
};

// Owns the qubicle binding family (KAZOO's short-lived bh_qubicle): `qubicle.recipient|session|queue`
// events on the `qubicle` exchange, scoped by the payload's account as bh_qubicle did.
import { encodeKeyPart } from '../key-encoding';
import { BindingFamily, invalidFormat, stringField } from '../family';

const EXCHANGE = 'qubicle';
/** The qubicle event kinds bh_qubicle bound. */
export const QUBICLE_KINDS = ['recipient', 'session', 'queue'] as const;
const KINDS = new Set<string>(QUBICLE_KINDS);
const ACCOUNT = /^[0-9a-f]{32}$/;

/** The routing key Event Horizon expects qubicle events on: `qubicle.{KIND}.{ACCT}.{enc ID}`. */
export function qubicleRoutingKey(kind: (typeof QUBICLE_KINDS)[number], accountId: string, id: string): string {
  return `qubicle.${kind}.${accountId}.${encodeKeyPart(id)}`;
}

function accountOf(payload: Record<string, unknown>): string | undefined {
  const ccv = payload['Custom-Channel-Vars'];
  const fromCcv = ccv && typeof ccv === 'object' ? stringField(ccv as Record<string, unknown>, 'Account-ID') : undefined;
  const account = stringField(payload, 'Account-ID') ?? fromCcv;
  return account && ACCOUNT.test(account) ? account : undefined;
}

export const qubicleFamily: BindingFamily = {
  name: 'qubicle',
  exchanges: [EXCHANGE],
  forms: QUBICLE_KINDS.map((kind) => ({ binding: `qubicle.${kind}`, description: `qubicle ${kind} events of the account` })),
  owns: (words) => words[0] === 'qubicle',
  plan(words, binding, accountId) {
    const keys = words.slice(1);
    if (keys.length !== 1 || !KINDS.has(keys[0]!)) return { ok: false, error: invalidFormat('qubicle', keys) };
    const kind = keys[0]!;
    const key = `qubicle.${accountId}.${kind}`;
    return { ok: true, plan: { requested: binding, keys: [{ display: key, matchPattern: key }], amqp: [{ exchange: EXCHANGE, routingKey: `qubicle.${kind}.#` }] } };
  },
  route(exchange, routingKey, payload) {
    if (exchange !== EXCHANGE) return null;
    const kind = routingKey.split('.')[1];
    if (!routingKey.startsWith('qubicle.') || !kind || !KINDS.has(kind)) return null;
    // bh_qubicle delivered only events whose payload names the subscriber's account.
    const account = accountOf(payload);
    if (!account) return null;
    const name = stringField(payload, 'Event-Name');
    const category = stringField(payload, 'Event-Category');
    return { matchKey: `qubicle.${account}.${kind}`, routingKey, name, socketEventName: category ?? 'qubicle', socketPayloadNormalized: true };
  },
};

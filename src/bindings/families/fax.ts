// Owns the fax binding family: `fax.status.{FAX_ID}` on the `faxes` exchange (account in the key) and
// `fax.object.{ACTION}` (fax documents of the account's monthly database on `configuration`).
import { canonicalKeyPart, encodeKeyPart } from '../key-encoding';
import { BindingFamily, invalidFormat, stringField } from '../family';
import { encodedAccountDb } from './object';

const EXCHANGE = 'faxes';
const ACCOUNT_KEY = /^(?:[0-9a-f]{32})$/;

/** KAZOO's monthly database of an account, encoded: `account%2F4b%2F8c%2F…-202611`. */
export function encodedAccountModb(accountId: string, now = new Date()): string {
  if (accountId === '*') return '*';
  const month = `${now.getUTCFullYear()}${String(now.getUTCMonth() + 1).padStart(2, '0')}`;
  return `${encodedAccountDb(accountId)}-${month}`;
}

/** The routing key KAZOO's fax app publishes a status with: `fax.status.{ACCT}.{enc FAX_ID}`. */
export function faxStatusRoutingKey(accountId: string, faxId: string): string {
  return `fax.status.${accountId}.${encodeKeyPart(faxId)}`;
}

export const faxFamily: BindingFamily = {
  name: 'fax',
  exchanges: [EXCHANGE],
  forms: [
    { binding: 'fax.status.{FAX_ID}', description: 'status updates of one fax job of the account' },
    { binding: 'fax.status.*', description: 'status updates of every fax job of the account' },
    { binding: 'fax.object.{ACTION}', description: 'fax documents created, edited or deleted in the account (ACTION: doc_created, doc_edited, doc_deleted or *)', exchange: 'configuration' },
  ],
  owns: (words) => words[0] === 'fax',
  plan(words, binding, accountId) {
    const keys = words.slice(1);
    // KAZOO checks only the first key and the count.
    if (keys.length !== 2 || (keys[0] !== 'status' && keys[0] !== 'object')) return { ok: false, error: invalidFormat('fax', keys) };
    if (keys[0] === 'status') {
      const faxId = canonicalKeyPart(keys[1]!);
      const key = `fax.status.${accountId}.${faxId}`;
      return { ok: true, plan: { requested: binding, keys: [{ display: key, matchPattern: key }], amqp: [{ exchange: EXCHANGE, routingKey: key, accountWord: 2 }] } };
    }
    const action = keys[1]!;
    return {
      ok: true,
      plan: {
        requested: binding,
        // Routed by the object family: its account-scoped key for fax documents.
        keys: [{ display: `${action}.${encodedAccountModb(accountId)}.fax.*`, matchPattern: `object.${accountId}.${action}.fax.*` }],
        // Monthly databases change name every month: bind by type and let the account scope filter.
        amqp: [{ exchange: 'configuration', routingKey: `${action}.*.fax.*` }],
      },
    };
  },
  route(exchange, routingKey, payload) {
    if (exchange !== EXCHANGE) return null;
    const w = routingKey.split('.');
    if (w.length !== 4 || w[0] !== 'fax' || w[1] !== 'status' || !ACCOUNT_KEY.test(w[2]!)) return null;
    const name = stringField(payload, 'Event-Name');
    return { matchKey: routingKey, routingKey, name, socketEventName: 'fax.status', socketPayloadNormalized: true };
  },
};

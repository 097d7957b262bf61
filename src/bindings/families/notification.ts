// Owns the notification binding family: KAZOO's `notifications` exchange (voicemail, fax, system
// alerts, …), keyed `notifications.{CATEGORY}.{NAME}` and scoped by the account the payload names.
import { BindingFamily, invalidFormat, stringField } from '../family';
import { accountOfDb } from './object';

const EXCHANGE = 'notifications';
const ACCOUNT = /^[0-9a-f]{32}$/;
const WORD = /^(?:[a-z0-9_]+|\*)$/;
/**
 * The account word of notifications that name no account (system alerts): only a superduper admin's
 * `*` subscription matches it, as account ids are 32 hex characters.
 */
export const NO_ACCOUNT = '_system';

function accountOf(payload: Record<string, unknown>): string {
  const id = stringField(payload, 'Account-ID');
  if (id && ACCOUNT.test(id)) return id;
  const db = stringField(payload, 'Account-DB');
  return (db && accountOfDb(db)) ?? NO_ACCOUNT;
}

export const notificationFamily: BindingFamily = {
  name: 'notification',
  exchanges: [EXCHANGE],
  forms: [
    { binding: 'notification.{CATEGORY}.{NAME}', description: 'one KAZOO notification of the account, e.g. notification.voicemail.new, notification.fax.inbound' },
    { binding: 'notification.{CATEGORY}.*', description: 'every notification of one category (voicemail, fax, account, number, user, …)' },
    { binding: 'notification.system.alert', description: 'system alerts naming the account; with account_id * (superduper admin) every alert' },
    { binding: 'notification.*.*', description: 'every notification of the account' },
  ],
  owns: (words) => words[0] === 'notification',
  plan(words, binding, accountId) {
    const keys = words.slice(1);
    if (keys.length !== 2 || !keys.every((k) => WORD.test(k))) return { ok: false, error: invalidFormat('notification', keys) };
    const [category, name] = keys as [string, string];
    return {
      ok: true,
      plan: {
        requested: binding,
        keys: [{ display: `notifications.${accountId}.${category}.${name}`, matchPattern: `notification.${accountId}.${category}.${name}` }],
        amqp: [{ exchange: EXCHANGE, routingKey: `notifications.${category}.${name}` }],
      },
    };
  },
  route(exchange, routingKey, payload) {
    if (exchange !== EXCHANGE) return null;
    const w = routingKey.split('.');
    if (w.length !== 3 || w[0] !== 'notifications') return null;
    const name = stringField(payload, 'Event-Name');
    const matchKey = `notification.${accountOf(payload)}.${w[1]}.${w[2]}`;
    return { matchKey, routingKey, name, socketEventName: name ?? `${w[1]}.${w[2]}`, socketPayloadNormalized: false };
  },
};

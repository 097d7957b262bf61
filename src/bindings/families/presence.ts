// Owns the presence binding family (KAZOO 5.x bh_presence): dialog, update and MWI events on the
// `presence` exchange, keyed by SIP realm. The realm is mapped to its account both ways, never guessed.
import { canonicalKeyPart, decodeKeyPart, encodeKeyPart } from '../key-encoding';
import { BindingFamily, invalidFormat, stringField } from '../family';
import { RealmDirectory, realmDirectory, unknownRealm } from '../realm-directory';

const EXCHANGE = 'presence';
/** The presence events KAZOO's Blackhole offers, in KAZOO's order. */
export const PRESENCE_EVENTS = ['dialog', 'mwi_updates', 'update'] as const;
const SUPPORTED = new Set<string>(PRESENCE_EVENTS);

/** KAZOO's routing key for a presence event: `{EVENT}.{enc realm}.{enc call id or user}`. */
export function presenceRoutingKey(event: (typeof PRESENCE_EVENTS)[number], realm: string, arg: string): string {
  return `${event}.${encodeKeyPart(realm)}.${encodeKeyPart(arg)}`;
}

/**
 * The presence family over a realm directory.
 * @example createPresenceFamily(realms).plan(["presence", "dialog", "*"], "presence.dialog.*", accountId)
 */
export function createPresenceFamily(realms: RealmDirectory): BindingFamily {
  return {
    name: 'presence',
    exchanges: [EXCHANGE],
    forms: [
      { binding: 'presence.dialog.{CALL_ID}', description: 'SIP dialog state of calls in the account\'s realm (CALL_ID or *)' },
      { binding: 'presence.update.{CALL_ID}', description: 'presence updates in the account\'s realm (CALL_ID or *)' },
      { binding: 'presence.mwi_updates.{USER}', description: 'message-waiting updates of a SIP user of the account\'s realm (USER or *)' },
    ],
    owns: (words) => words[0] === 'presence',
    plan(words, binding, accountId) {
      const keys = words.slice(1);
      if (keys.length > 0 && !SUPPORTED.has(keys[0]!)) return { ok: false, error: `event ${keys[0]} not supported` };
      if (keys.length !== 2) return { ok: false, error: invalidFormat('presence', keys) };
      const [event, rawArg] = keys as [string, string];
      const realm = accountId === '*' ? '*' : realms.realmOf(accountId);
      if (realm === undefined) return { ok: false, error: unknownRealm('presence', accountId) };
      const arg = canonicalKeyPart(rawArg);
      const key = `${event}.${encodeKeyPart(realm)}.${arg}`;
      return {
        ok: true,
        plan: {
          requested: binding,
          keys: [{ display: key, matchPattern: `presence.${accountId}.${event}.${arg}` }],
          amqp: [{ exchange: EXCHANGE, routingKey: key, accountWord: 1 }],
        },
      };
    },
    route(exchange, routingKey, payload) {
      if (exchange !== EXCHANGE) return null;
      const w = routingKey.split('.');
      if (w.length !== 3 || !SUPPORTED.has(w[0]!)) return null;
      const [event, realm, arg] = w as [string, string, string];
      const account = realms.accountOf(decodeKeyPart(realm));
      if (!account) return null;
      const name = stringField(payload, 'Event-Name');
      return { matchKey: `presence.${account}.${event}.${arg}`, routingKey, name, socketEventName: name ?? event, socketPayloadNormalized: false };
    },
  };
}

export const presenceFamily = createPresenceFamily(realmDirectory);

// Owns the registration binding family (KAZOO's bh_registration, PISTON-693): successful SIP
// registrations on the `registrar` exchange, keyed by realm and mapped to the realm's account.
import { encodeKeyPart, decodeKeyPart } from '../key-encoding';
import { BindingFamily, invalidFormat, stringField } from '../family';
import { RealmDirectory, realmDirectory, unknownRealm } from '../realm-directory';

const EXCHANGE = 'registrar';

/** KAZOO's routing key for a successful registration: `registration.success.{enc realm}.{enc user}`. */
export function registrationRoutingKey(realm: string, username: string): string {
  return `registration.success.${encodeKeyPart(realm)}.${encodeKeyPart(username)}`;
}

/**
 * The registration family over a realm directory.
 * @example createRegistrationFamily(realms).plan(["registration", "success"], "registration.success", accountId)
 */
export function createRegistrationFamily(realms: RealmDirectory): BindingFamily {
  return {
    name: 'registration',
    exchanges: [EXCHANGE],
    forms: [{ binding: 'registration.success', description: 'every successful SIP registration in the account\'s realm' }],
    owns: (words) => words[0] === 'registration',
    plan(words, binding, accountId) {
      const keys = words.slice(1);
      if (keys.length !== 1 || keys[0] !== 'success') return { ok: false, error: invalidFormat('registration', keys) };
      const realm = accountId === '*' ? '*' : realms.realmOf(accountId);
      if (realm === undefined) return { ok: false, error: unknownRealm('registration', accountId) };
      const key = `registration.success.${encodeKeyPart(realm)}.*`;
      return {
        ok: true,
        plan: {
          requested: binding,
          keys: [{ display: key, matchPattern: `registration.${accountId}.success.*` }],
          amqp: [{ exchange: EXCHANGE, routingKey: key, accountWord: 2 }],
        },
      };
    },
    route(exchange, routingKey, payload) {
      if (exchange !== EXCHANGE) return null;
      const w = routingKey.split('.');
      if (w.length !== 4 || w[0] !== 'registration' || w[1] !== 'success') return null;
      const account = realms.accountOf(decodeKeyPart(w[2]!));
      if (!account) return null;
      const name = stringField(payload, 'Event-Name');
      return { matchKey: `registration.${account}.success.${w[3]}`, routingKey, name, socketEventName: name ?? 'registration.success', socketPayloadNormalized: false };
    },
  };
}

export const registrationFamily = createRegistrationFamily(realmDirectory);

// Owns the conference binding family: events (`conference.event...`) and commands
// (`conference.command.{CONF}`) on the `conference` exchange, in every spelling KAZOO and Monster UI used.
import { canonicalKeyPart } from '../key-encoding';
import { BindingFamily, SubscriptionPlan, PlanResult, invalidFormat, stringField } from '../family';

const EXCHANGE = 'conference';

/** Conference event names KAZOO publishes (kapi_conference). */
export const CONFERENCE_EVENTS = [
  'conference-create',
  'conference-destroy',
  'lock',
  'unlock',
  'add-member',
  'del-member',
  'stop-talking',
  'start-talking',
  'mute-member',
  'unmute-member',
  'deaf-member',
  'undeaf-member',
] as const;
const SUPPORTED = new Set<string>(CONFERENCE_EVENTS);
const CONFERENCE_ID_REQUIRED = 'ConferenceId required';

function eventPlan(binding: string, accountId: string, event: string, conf: string, call: string): SubscriptionPlan {
  // Participant call ids are keyed encoded, as on callevt: a raw id (`abc@host`) is encoded here.
  const key = `conference.event.${event}.${accountId}.${conf}.${canonicalKeyPart(call)}`;
  return { requested: binding, keys: [{ display: key, matchPattern: key }], amqp: [{ exchange: EXCHANGE, routingKey: key, accountWord: 3 }] };
}

function planEvent(keys: readonly string[], binding: string, accountId: string): PlanResult {
  const rest = keys.slice(1);
  // 3.x: conference.event.{CONF|*} (a `*` is safe: the account scopes it).
  if (rest.length === 1) return { ok: true, plan: eventPlan(binding, accountId, '*', rest[0]!, '*') };
  // KAZOO 4.x / 5.x: conference.event.{CONF}.{CALL|*}
  if (rest.length === 2) {
    const [conf, call] = rest as [string, string];
    if (conf === '*') return { ok: false, error: CONFERENCE_ID_REQUIRED };
    return { ok: true, plan: eventPlan(binding, accountId, '*', conf, call) };
  }
  if (rest.length === 3) {
    const [a, b, c] = rest as [string, string, string];
    // Monster UI since 2020: conference.event.*.{CONF}.{CALL|*}
    if (a === '*') {
      if (b === '*') return { ok: false, error: CONFERENCE_ID_REQUIRED };
      return { ok: true, plan: eventPlan(binding, accountId, '*', b, c) };
    }
    // KAZOO 4.3: conference.event.{CONF}.*.{EVENT|*}
    if (b !== '*') return { ok: false, error: invalidFormat('conference', keys) };
    if (c !== '*' && !SUPPORTED.has(c)) return { ok: false, error: `Unsupported conference event ${c}` };
    return { ok: true, plan: eventPlan(binding, accountId, c, a, '*') };
  }
  return { ok: false, error: invalidFormat('conference', keys) };
}

export const conferenceFamily: BindingFamily = {
  name: 'conference',
  exchanges: [EXCHANGE],
  forms: [
    { binding: 'conference.event.{CONFERENCE_ID}.*', description: 'every event of one conference (KAZOO 4.x)' },
    { binding: 'conference.event.{CONFERENCE_ID}.{CALL_ID}', description: 'events of one participant call' },
    { binding: 'conference.event.*.{CONFERENCE_ID}.*', description: 'every event of one conference (Monster UI spelling)' },
    { binding: 'conference.event.{CONFERENCE_ID}.*.{EVENT}', description: `one event (${CONFERENCE_EVENTS.join(', ')})` },
    { binding: 'conference.event.*', description: 'every conference event of the account (KAZOO 3.x spelling)' },
    { binding: 'conference.command.{CONFERENCE_ID}', description: 'commands sent to one conference' },
  ],
  owns: (words) => words[0] === 'conference',
  plan(words, binding, accountId) {
    const keys = words.slice(1);
    if (keys[0] === 'event') return planEvent(keys, binding, accountId);
    if (keys[0] === 'command' && keys.length === 2) {
      const conf = keys[1]!;
      if (conf === '*') return { ok: false, error: CONFERENCE_ID_REQUIRED };
      return {
        ok: true,
        plan: {
          requested: binding,
          keys: [{ display: `conference.command.${conf}`, matchPattern: `conference.command.${accountId}.${conf}` }],
          amqp: [{ exchange: EXCHANGE, routingKey: `conference.command.${conf}` }],
        },
      };
    }
    return { ok: false, error: invalidFormat('conference', keys) };
  },
  route(exchange, routingKey, payload) {
    if (exchange !== EXCHANGE) return null;
    const w = routingKey.split('.');
    const name = stringField(payload, 'Event-Name');
    const socketEventName = stringField(payload, 'Application-Name') ?? name ?? 'conference';
    if (w[0] !== 'conference') return null;
    if (w[1] === 'event' && w.length === 6) {
      return { matchKey: routingKey, routingKey, name, socketEventName, socketPayloadNormalized: false };
    }
    if (w[1] === 'command' && w.length === 3) {
      // Command keys carry no account: deliver only when the payload names one.
      const account = stringField(payload, 'Account-ID');
      if (!account) return null;
      return { matchKey: `conference.command.${account}.${w[2]}`, routingKey, name, socketEventName, socketPayloadNormalized: false };
    }
    return null;
  },
};

// Owns application events (`publish_app_event`): KAZOO API messages on the inter-app `kapps` exchange,
// keyed `app_event.{ACCT}.{APP}.{NAME}`, so any node and any KAZOO app bound there sees them.
import { BindingFamily, invalidFormat, stringField } from '../family';
import { publicPayload } from '../../protocol/payload';
import { PROTOCOL_EVENT_NAMES } from '../../protocol/socket-event-names';
import { APP_EVENT_WORD } from '../../protocol/app-event-word';

/** KAZOO's exchange "for inter-kapp communication" (kz_amqp.hrl, topic). */
export const APP_EVENT_EXCHANGE = 'kapps';
export const APP_EVENT_CATEGORY = 'app_event';
const ACCOUNT = /^[0-9a-f]{32}$/;

/** The routing key of one application event. */
export function appEventRoutingKey(accountId: string, app: string, name: string): string {
  return `${APP_EVENT_CATEGORY}.${accountId}.${app}.${name}`;
}

/**
 * Shows an app event to envelope clients: KAZOO's headers normalized as for every event, the
 * publisher's own `Data` object verbatim (its keys are the application's, not KAZOO's).
 */
export function presentAppEvent(payload: Record<string, unknown>): Record<string, unknown> {
  const { Data: data, ...headers } = payload;
  const shown = publicPayload(headers);
  if (data !== undefined) shown['data'] = data;
  return shown;
}

function isWord(w: string): boolean {
  return w === '*' || APP_EVENT_WORD.test(w);
}

export const appEventFamily: BindingFamily = {
  name: 'app_event',
  exchanges: [APP_EVENT_EXCHANGE],
  forms: [
    { binding: 'app_event.{APP}.{NAME}', description: 'one application event published with publish_app_event for the account' },
    { binding: 'app_event.{APP}.*', description: 'every event of one application' },
    { binding: 'app_event.*.*', description: 'every application event of the account' },
  ],
  owns: (words) => words[0] === APP_EVENT_CATEGORY,
  plan(words, binding, accountId) {
    const keys = words.slice(1);
    if (keys.length !== 2 || !keys.every(isWord)) return { ok: false, error: invalidFormat('app_event', keys) };
    const key = appEventRoutingKey(accountId, keys[0]!, keys[1]!);
    return { ok: true, plan: { requested: binding, keys: [{ display: key, matchPattern: key }], amqp: [{ exchange: APP_EVENT_EXCHANGE, routingKey: key, accountWord: 1 }] } };
  },
  route(exchange, routingKey, payload) {
    if (exchange !== APP_EVENT_EXCHANGE) return null;
    const w = routingKey.split('.');
    if (w.length !== 4 || w[0] !== APP_EVENT_CATEGORY || !ACCOUNT.test(w[1]!)) return null;
    const name = stringField(payload, 'Event-Name') ?? w[3]!;
    // An app event named like the protocol's own Socket.IO events is emitted prefixed.
    const socketEventName = PROTOCOL_EVENT_NAMES.has(name) ? `${APP_EVENT_CATEGORY}.${name}` : name;
    return { matchKey: routingKey, routingKey, name, socketEventName, socketPayloadNormalized: false, present: presentAppEvent };
  },
};

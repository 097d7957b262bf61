// Owns the publish_app_event action: authorize the account, shape a KAZOO API message, publish it on
// the kapps exchange. Delivery comes back through RabbitMQ like any KAZOO event, on every node.
import os from 'node:os';
import { APP_EVENT_CATEGORY, APP_EVENT_EXCHANGE, appEventRoutingKey } from '../../bindings/families/app-event';
import type { AppEventRequest } from '../../protocol/action-commands';
import { Reply, errorReply, successReply } from '../../protocol/replies';

/** Something that can put one JSON message on an exchange; false when the broker is not reachable. */
export interface MessagePublisher {
  publish(exchange: string, routingKey: string, payload: unknown): boolean;
}

export const APP_EVENT_NOT_PUBLISHED = 'event bus unavailable: the app event was not published, try again';

/** The KAZOO API message of one app event (default headers + the publisher's `Data`). */
export function appEventMessage(event: AppEventRequest, msgId: string, version: string): Record<string, unknown> {
  return {
    'Account-ID': event.accountId,
    'App-Name': event.app,
    'App-Version': version,
    'Event-Category': APP_EVENT_CATEGORY,
    'Event-Name': event.event,
    'Msg-ID': msgId,
    Node: `event-horizon@${os.hostname()}`,
    Data: event.payload,
  };
}

/**
 * Publishes one app event (for an account already authorized) and answers with its routing key.
 * @example publishAppEvent(bus, "r1", {accountId, app: "crm", event: "ticket_updated", payload: {}}, "0.1.0")
 */
export function publishAppEvent(publisher: MessagePublisher | undefined, requestId: string, event: AppEventRequest, version: string): Reply {
  const routingKey = appEventRoutingKey(event.accountId, event.app, event.event);
  const sent = publisher?.publish(APP_EVENT_EXCHANGE, routingKey, appEventMessage(event, requestId, version)) ?? false;
  if (!sent) return errorReply(requestId, APP_EVENT_NOT_PUBLISHED);
  return successReply(requestId, { published: `${APP_EVENT_CATEGORY}.${event.app}.${event.event}`, routing_key: routingKey });
}

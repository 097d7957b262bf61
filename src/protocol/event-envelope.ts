// Owns the `event` envelope delivered to raw WebSocket clients and on Socket.IO `message`.

export interface EventEnvelope {
  action: 'event';
  subscribed_key: string;
  subscription_key: string;
  name?: string;
  routing_key: string;
  data: Record<string, unknown>;
}

/**
 * Builds an event envelope; `name` is left out when the payload has no Event-Name, as KAZOO does.
 * @example eventEnvelope("call.CHANNEL_CREATE.*", "call.A.CHANNEL_CREATE.*", "CHANNEL_CREATE", "call.A.CHANNEL_CREATE.x", data)
 */
export function eventEnvelope(
  subscribedKey: string,
  subscriptionKey: string,
  name: string | undefined,
  routingKey: string,
  data: Record<string, unknown>,
): EventEnvelope {
  // Key order is KAZOO's: action, subscribed_key, subscription_key, name, routing_key, data.
  return name === undefined
    ? { action: 'event', subscribed_key: subscribedKey, subscription_key: subscriptionKey, routing_key: routingKey, data }
    : { action: 'event', subscribed_key: subscribedKey, subscription_key: subscriptionKey, name, routing_key: routingKey, data };
}

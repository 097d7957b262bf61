// Owns the contract every binding family implements: how a client binding becomes
// account-scoped match patterns plus AMQP bindings, and how a delivery becomes a routed event.

/** One AMQP binding the node's queue needs on the broker. */
export interface AmqpBinding {
  exchange: string;
  routingKey: string;
  /**
   * Which word of the routing key names the account (its database or realm), when one does: the bus
   * may then bind the key once with that word wildcarded for many accounts (the hub's matching stays exact).
   */
  accountWord?: number;
}

/** One internal key of a subscription: what clients see and what the hub matches on. */
export interface SubscriptionKey {
  /** Shown to clients as `subscription_key` (KAZOO's account-scoped spelling). */
  display: string;
  /** AMQP topic pattern over {@link RoutedEvent.matchKey}; always carries the account id. */
  matchPattern: string;
}

/** What a valid client binding turns into. */
export interface SubscriptionPlan {
  /** The client's binding string, byte for byte (`subscribed_key`). */
  requested: string;
  keys: SubscriptionKey[];
  amqp: AmqpBinding[];
}

export type PlanResult = { ok: true; plan: SubscriptionPlan } | { ok: false; error: string };

/** A delivery that a family recognised, ready to match against subscriptions. */
export interface RoutedEvent {
  /** Account-scoped key matched against subscription match patterns. */
  matchKey: string;
  /** Shown to clients as `routing_key`. */
  routingKey: string;
  /** The payload's `Event-Name`, shown as the envelope's `name` (omitted when absent). */
  name: string | undefined;
  /** The Socket.IO event name KAZOO 3.x used for this event. */
  socketEventName: string;
  /** Whether Socket.IO named events carry the normalized payload (fax) instead of the raw one. */
  socketPayloadNormalized: boolean;
  /** How envelope clients see the payload, when the family shows it otherwise than KAZOO's normalization. */
  present?: (payload: Record<string, unknown>) => Record<string, unknown>;
}

/** A catalogue entry, for documentation and introspection. */
export interface BindingForm {
  binding: string;
  description: string;
  /** The exchange this spelling binds on, when it is not the family's own (fax.object on `configuration`). */
  exchange?: string;
}

/**
 * A binding family: one module per first binding word (call, conference, object, ...).
 * @example
 * const plan = callFamily.plan(["call", "CHANNEL_CREATE", "*"], "call.CHANNEL_CREATE.*", account);
 */
export interface BindingFamily {
  readonly name: string;
  /** Exchanges whose deliveries this family routes. */
  readonly exchanges: readonly string[];
  /** The binding spellings this family accepts. */
  readonly forms: readonly BindingForm[];
  /** Whether this family owns a binding, judged by its words. */
  owns(words: readonly string[]): boolean;
  /** Validates a binding for one account and plans its keys and AMQP bindings. */
  plan(words: readonly string[], binding: string, accountId: string): PlanResult;
  /** Recognises one AMQP delivery, or returns null when it is not this family's or carries no account. */
  route(exchange: string, routingKey: string, payload: Record<string, unknown>): RoutedEvent | null;
}

/** Reads a string field, or undefined. */
export function stringField(obj: Record<string, unknown>, key: string): string | undefined {
  const v = obj[key];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** KAZOO's `invalid format for X subscription : a, b` text. */
export function invalidFormat(family: string, keys: readonly string[]): string {
  return `invalid format for ${family} subscription : ${keys.join(', ')}`;
}

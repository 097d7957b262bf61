// Owns the hub's view of the event bus: refcounted AMQP bindings. The RabbitMQ driver implements it.
import type { AmqpBinding } from '../bindings/family';

/**
 * Reference-counted broker bindings.
 * @example await bus.acquire({exchange: "callevt", routingKey: "call.CHANNEL_CREATE.*"}); … bus.release(same);
 */
export interface EventBus {
  /** Counts one more user of a binding; resolves once it is in place on the broker. */
  acquire(binding: AmqpBinding): Promise<void>;
  /** Counts one user less; the last release removes the binding from the broker. */
  release(binding: AmqpBinding): void;
}

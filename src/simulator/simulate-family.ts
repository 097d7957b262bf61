// Owns simulating the non-call families: N realistic events of one kind at a steady rate, and making
// sure KAZOO's exchange exists first without fighting an existing one over its options.
import type * as amqp from 'amqplib';
import { declareExchanges } from '../bus/exchanges';
import type { Publish } from './simulate-call';
import { EventKind, EventOptions, familyEvent } from './kazoo-family-events';

/** The exchange a kind is published on. */
export function exchangeOf(kind: EventKind | 'call'): string {
  return kind === 'call' ? 'callevt' : familyEvent(kind, { accountId: '0'.repeat(32) }).exchange;
}

/**
 * Leaves an existing exchange as it is and creates a missing one as KAZOO does (topic, not durable).
 * @example await ensureExchange(connection, "faxes");
 */
export function ensureExchange(connection: amqp.ChannelModel, exchange: string): Promise<void> {
  return declareExchanges(connection, [exchange]);
}

/**
 * Publishes `count` events of one kind, `rate` per second; each gets a fresh id unless one is given.
 * @example await simulateFamily(publish, "fax", { accountId }, 3, 2);
 */
export async function simulateFamily(publish: Publish, kind: EventKind, opts: EventOptions, count: number, rate: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, 1000 / rate));
    const msg = familyEvent(kind, opts);
    await publish(msg.exchange, msg.routingKey, msg.payload);
  }
}

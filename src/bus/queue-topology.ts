// Owns the shape of this node's RabbitMQ queue: its name, how it is declared in each mode, and the
// probe that tells, after a reconnection, whether the queue and its bindings outlived the cut.
// Knows nothing about which bindings the node wants or about consuming.
import os from 'node:os';
import { randomBytes } from 'node:crypto';
import type * as amqp from 'amqplib';

/** A direct exchange of Event Horizon's own: each node's queue is bound to it under its own name. */
export const PROBE_EXCHANGE = 'event-horizon.probe';

/**
 * A name no other process uses, now or after a restart (host, pid, random), so a restarted node never
 * attaches to a queue another live node consumes. `generation` changes when the queue must be replaced.
 * @example nodeQueueName("a1b2c3", 0) // "event-horizon.host.1234.a1b2c3.0"
 */
export function nodeQueueName(token: string, generation: number): string {
  return `event-horizon.${os.hostname()}.${process.pid}.${token}.${generation}`;
}

/** The random part of a process's queue names. */
export function newQueueToken(): string {
  return randomBytes(6).toString('hex');
}

/**
 * Declares the node's queue. With a TTL: durable (RabbitMQ refuses transient non-exclusive queues from
 * 4.3 on), not exclusive, not auto-delete, `x-expires` = the TTL, so it outlives a lost connection.
 * Without: an exclusive, auto-delete, server-named queue that goes with the connection.
 * @example const queue = await declareNodeQueue(channel, name, 60000);
 */
export async function declareNodeQueue(channel: amqp.Channel, name: string, ttlMs: number): Promise<string> {
  if (ttlMs <= 0) return (await channel.assertQueue('', { exclusive: true, autoDelete: true, durable: false })).queue;
  await channel.assertQueue(name, { durable: true, exclusive: false, autoDelete: false, arguments: { 'x-expires': ttlMs } });
  return name;
}

/**
 * Whether the queue still holds the bindings it had before the connection was lost: a mandatory
 * message to the probe exchange is routed only if the queue's probe binding survived (a queue that
 * expired or was deleted, and a broker restart, which drops bindings to non-durable exchanges, lose it
 * with every other binding). Leaves the probe binding in place for next time. The probe message expires at
 * once (a consumer that gets it drops it), so it never waits in the queue.
 * @example if (!(await bindingsSurvived(model, queue))) rebindEverything();
 */
export async function bindingsSurvived(model: amqp.ChannelModel, queue: string): Promise<boolean> {
  const channel = await model.createConfirmChannel();
  channel.on('error', () => undefined);
  try {
    await channel.assertExchange(PROBE_EXCHANGE, 'direct', { durable: false, autoDelete: false });
    let returned = false;
    // RabbitMQ sends basic.return before the confirm of an unroutable mandatory message.
    channel.on('return', () => {
      returned = true;
    });
    // Expiration 0: routed (so not returned), then dropped unless a consumer takes it at once.
    channel.publish(PROBE_EXCHANGE, queue, Buffer.from('probe'), { mandatory: true, expiration: '0' });
    await channel.waitForConfirms();
    if (returned) await channel.bindQueue(queue, PROBE_EXCHANGE, queue);
    return !returned;
  } finally {
    await channel.close().catch(() => undefined);
  }
}

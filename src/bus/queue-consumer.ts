// Owns consuming the node's queue: the prefetch, one exclusive consumer, acknowledgements in batches,
// dropping redeliveries already handled and the queue's own probe messages. Knows nothing about
// bindings or about what the hub does with an event.
import type * as amqp from 'amqplib';
import type { RedeliveryFilter } from './redelivery-filter';
import { PROBE_EXCHANGE } from './queue-topology';

export interface ConsumerOptions {
  /** False: `noAck` delivery (the queue goes with the connection anyway). */
  acknowledge: boolean;
  prefetch: number;
  /** Shared across connections: redeliveries come on the next channel. */
  filter: RedeliveryFilter;
  onMessage: (exchange: string, routingKey: string, content: Buffer) => void;
  /** RabbitMQ cancelled the consumer (the queue was deleted under it). */
  onCancelled: () => void;
}

/**
 * How long a handled delivery may wait for its acknowledgement. Acknowledging once per turn of the
 * event loop meant about one acknowledgement per delivery at 10,000 events/s (each turn read one or
 * two); gathering 5 ms of them cost RabbitMQ about 12 points of a core less at that rate
 * (docs/BENCHMARKS.md, round 6). A cut connection redelivers at most this window more, which the
 * redelivery filter drops.
 */
export const ACK_WINDOW_MS = 5;

/** One consumer on one channel. */
export interface QueueConsumer {
  readonly consumerTag: string;
  /** Acknowledges every delivery handled so far. */
  flush(): void;
}

/**
 * Starts consuming. `exclusive`: RabbitMQ refuses a second consumer on the queue, so even a consumer
 * left behind by a connection the broker has not yet seen die (a half-open TCP connection) cannot
 * share it; the new one is refused (and retried by the reconnection) until that one is gone and its
 * unacknowledged deliveries are back in the queue, in their place.
 * Acknowledgements go at most `ACK_WINDOW_MS` after a delivery, one for every delivery of that window,
 * or as soon as half the prefetch is waiting.
 * @example const consumer = await startConsumer(channel, queue, { acknowledge: true, prefetch: 500, filter, onMessage, onCancelled });
 */
export async function startConsumer(channel: amqp.Channel, queue: string, opts: ConsumerOptions): Promise<QueueConsumer> {
  let last: amqp.ConsumeMessage | undefined;
  let waiting = 0;
  let timer: NodeJS.Timeout | undefined;
  const batch = Math.max(1, opts.prefetch >> 1);
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    const msg = last;
    if (!msg) return;
    last = undefined;
    waiting = 0;
    try {
      channel.ack(msg, true);
    } catch {
      // The channel is gone: RabbitMQ requeues these, and the filter recognises them on the next one.
    }
  };
  if (opts.acknowledge) await channel.prefetch(opts.prefetch);
  opts.filter.nextChannel();
  const { consumerTag } = await channel.consume(queue, (msg) => {
    if (!msg) return opts.onCancelled();
    const { exchange, routingKey, redelivered } = msg.fields;
    if (exchange !== PROBE_EXCHANGE) {
      if (!opts.acknowledge) return opts.onMessage(exchange, routingKey, msg.content);
      if (opts.filter.admit({ exchange, routingKey, content: msg.content }, redelivered)) opts.onMessage(exchange, routingKey, msg.content);
    }
    if (!opts.acknowledge) return;
    last = msg;
    if (++waiting >= batch) flush();
    else timer ??= setTimeout(flush, ACK_WINDOW_MS);
  }, { noAck: !opts.acknowledge, exclusive: true });
  return { consumerTag, flush };
}

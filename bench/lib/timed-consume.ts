// Times the bus's own consumer draining a queue filled beforehand: wall time and this process's CPU
// from the first delivery asked for to the `count`th handed on. The broker rows share it.
import type * as amqp from 'amqplib';
import { RedeliveryFilter } from '../../src/bus/redelivery-filter';
import { startConsumer } from '../../src/bus/queue-consumer';

export interface ConsumeOptions {
  acknowledge: boolean;
  prefetch: number;
  /** Each delivery, after the consumer's own work (the default does nothing more). */
  onMessage?: (exchange: string, key: string, body: Buffer) => void;
}

/**
 * Consumes `count` deliveries of `queue` on `channel` as the bus does.
 * @example const { ms, cpuUs } = await timedConsume(channel, queue, 50_000, { acknowledge: true, prefetch: 500 });
 */
export async function timedConsume(channel: amqp.Channel, queue: string, count: number, options: ConsumeOptions): Promise<{ ms: number; cpuUs: number }> {
  let received = 0;
  let done!: () => void;
  const all = new Promise<void>((resolve) => (done = resolve));
  const cpu = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await startConsumer(channel, queue, {
    acknowledge: options.acknowledge,
    prefetch: options.prefetch,
    filter: new RedeliveryFilter(options.prefetch * 2),
    onMessage: (exchange, key, body) => {
      options.onMessage?.(exchange, key, body);
      if (++received === count) done();
    },
    onCancelled: () => undefined,
  });
  await all;
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const used = process.cpuUsage(cpu);
  return { ms, cpuUs: used.user + used.system };
}

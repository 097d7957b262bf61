// What acknowledged delivery costs: the bus's own consumer (src/bus/queue-consumer.ts) draining a
// queue filled beforehand with KAZOO call events, unacknowledged (`noAck`, the old way and the
// baseline) and acknowledged in batches with the redelivery filter, at two prefetch values. The queue
// is full before the clock starts, so only consuming is measured (wall time and this process's CPU).
import * as amqp from 'amqplib';
import { callEvent } from '../../src/simulator/kazoo-events';
import { timedConsume } from '../lib/timed-consume';
import { AMQP_URL } from '../lib/broker';
import type { BusRow } from './bus-rebind';

async function fill(channel: amqp.ConfirmChannel, queue: string, count: number): Promise<void> {
  const body = Buffer.from(JSON.stringify(callEvent('CHANNEL_CREATE', '4b8c8ea1f5e2a1d3c9b7e6f5a4d3c2b1', 'bench-consume@host')));
  for (let i = 0; i < count; i++) {
    if (!channel.sendToQueue(queue, body, { contentType: 'application/json' })) await new Promise((r) => channel.once('drain', r));
    if (i % 1000 === 999) await channel.waitForConfirms();
  }
  await channel.waitForConfirms();
}

async function drain(count: number, acknowledge: boolean, prefetch: number): Promise<{ ms: number; cpuUs: number }> {
  const connection = await amqp.connect(AMQP_URL);
  try {
    const publisher = await connection.createConfirmChannel();
    const queue = (await publisher.assertQueue('', { exclusive: true })).queue;
    await fill(publisher, queue, count);
    const channel = await connection.createChannel();
    return await timedConsume(channel, queue, count, { acknowledge, prefetch });
  } finally {
    await connection.close();
  }
}

/**
 * The consume rows for `count` events each.
 * @example const rows = await consumeRows(50_000, log);
 */
export async function consumeRows(count: number, log: (line: string) => void): Promise<BusRow[]> {
  const variants: Array<[string, boolean, number]> = [
    ['noAck, exclusive queue (EH_AMQP_QUEUE_TTL_MS=0; baseline)', false, 500],
    ['acknowledged in batches, prefetch 500 (default)', true, 500],
    ['acknowledged in batches, prefetch 100', true, 100],
  ];
  const rows: BusRow[] = [];
  for (const [variant, acknowledge, prefetch] of variants) {
    const { ms, cpuUs } = await drain(count, acknowledge, prefetch);
    rows.push({ scenario: 'consume', variant, measure: `${count.toLocaleString('en-US')} events drained`, ms: Math.round(ms), perSecond: Math.round((count / ms) * 1000), cpuUsPerItem: Math.round((cpuUs / count) * 100) / 100 });
    log(`  consume ${variant}: ${Math.round(ms)} ms`);
  }
  const base = rows[0]!.perSecond;
  for (const r of rows) r.ratio = Math.round((r.perSecond / base) * 100) / 100;
  return rows;
}

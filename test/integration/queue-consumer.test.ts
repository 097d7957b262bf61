// The node queue's consumer against the real broker: what it acknowledges, and when.
import * as amqp from 'amqplib';
import { startConsumer } from '../../src/bus/queue-consumer';
import { RedeliveryFilter } from '../../src/bus/redelivery-filter';
import { brokerUnacknowledged } from '../helpers/broker';
import { AMQP_URL } from '../helpers/kazoo';
import { pollUntil } from '../helpers/wait';

let connection: amqp.ChannelModel;

beforeAll(async () => {
  connection = await amqp.connect(AMQP_URL);
});
afterAll(async () => {
  await connection.close();
});

/** A queue of this connection's own, a consumer on it, and what it handed on. */
async function consuming(prefetch: number, onHandled?: (channel: amqp.Channel) => void) {
  const channel = await connection.createChannel();
  const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: false });
  const handled: string[] = [];
  const consumer = await startConsumer(channel, queue, {
    acknowledge: true,
    prefetch,
    filter: new RedeliveryFilter(prefetch * 2),
    onMessage: (_exchange, _key, content) => {
      handled.push(content.toString());
      onHandled?.(channel);
    },
    onCancelled: () => undefined,
  });
  const publish = (...bodies: string[]) => bodies.forEach((b) => channel.sendToQueue(queue, Buffer.from(b)));
  return { channel, queue, handled, consumer, publish };
}

/** The first body a fresh channel gets from `queue` after `marker` is queued behind whatever was requeued. */
async function firstAfterReopen(queue: string, marker: string): Promise<string> {
  const channel = await connection.createChannel();
  const bodies: string[] = [];
  await channel.consume(queue, (msg) => msg && bodies.push(msg.content.toString()), { noAck: true });
  channel.sendToQueue(queue, Buffer.from(marker));
  const first = await pollUntil('a delivery on the reopened channel', () => bodies[0]);
  await channel.close();
  return first;
}

test('a few deliveries, far below half the prefetch, are acknowledged within the window without anything else happening', async () => {
  const { channel, queue, handled, publish } = await consuming(500);
  publish('a', 'b', 'c');
  await pollUntil('three deliveries handled', () => (handled.length === 3 ? true : undefined));
  const unacked = await pollUntil('RabbitMQ to hold none unacknowledged', async () => ((await brokerUnacknowledged(queue)) === 0 ? 0 : undefined), 10_000, 100);
  expect(unacked).toBe(0);
  expect(handled).toEqual(['a', 'b', 'c']);
  await channel.close();
  // Acknowledged, so nothing comes back ahead of the marker.
  expect(await firstAfterReopen(queue, 'marker')).toBe('marker');
});

test('flush() acknowledges at once: a channel closed right after it requeues nothing', async () => {
  const { channel, queue, handled, consumer, publish } = await consuming(500);
  publish('x', 'y');
  await pollUntil('two deliveries handled', () => (handled.length === 2 ? true : undefined));
  consumer.flush();
  await channel.close();
  expect(await firstAfterReopen(queue, 'marker')).toBe('marker');
});

test('a channel closed inside the window (before its timer) requeues what it had not acknowledged yet', async () => {
  let closing: Promise<void> | undefined;
  // Closed from inside the handler: the close leaves before the window's acknowledgement can.
  const { queue, handled, publish } = await consuming(500, (channel) => (closing ??= channel.close()));
  publish('late');
  await pollUntil('the channel closed after one delivery', () => (closing && handled.length === 1 ? true : undefined));
  await closing;
  expect(await firstAfterReopen(queue, 'marker')).toBe('late');
});

test('half the prefetch waiting is acknowledged at once, so a small prefetch never stalls the flow', async () => {
  const { channel, handled, publish } = await consuming(4);
  const bodies = Array.from({ length: 200 }, (_, i) => `m${i}`);
  publish(...bodies);
  await pollUntil('all 200 deliveries handled', () => (handled.length === 200 ? true : undefined), 10_000);
  expect(handled).toEqual(bodies);
  await channel.close();
});

// The RabbitMQ bus on its own, behind a proxy the test can cut: a queue that outlives a cut keeps its
// bindings, a lost queue is re-created and re-bound (also when the connection drops again meanwhile),
// shutdown deletes the queue, no second consumer can take it, and publishing in bursts.
import * as amqp from 'amqplib';
import pino from 'pino';
import type { AmqpBus } from '../../src/bus/amqp-bus';
import { brokerBindings, brokerQueueDepth } from '../helpers/broker';
import { AMQP_URL } from '../helpers/kazoo';
import type { TcpProxy } from '../helpers/tcp-proxy';
import { startBusBehindProxy } from '../helpers/proxied-bus';
import { pollUntil } from '../helpers/wait';

const logger = pino({ level: process.env['EH_TEST_LOG_LEVEL'] ?? 'silent' });
let proxy: TcpProxy;
let bus: AmqpBus;
let delivered: string[] = [];

beforeEach(async () => {
  ({ bus, proxy } = await startBusBehindProxy({ exchanges: ['callevt'], logger, onMessage: (_exchange, routingKey) => delivered.push(routingKey) }));
});
afterEach(async () => {
  delivered = [];
  await bus.close();
  await proxy.close();
});

/** Deletes a queue from outside the bus (as an expiry or an operator would). */
async function deleteQueueDirectly(queue: string): Promise<void> {
  const connection = await amqp.connect(AMQP_URL);
  const channel = await connection.createChannel();
  await channel.deleteQueue(queue);
  await connection.close();
}

it('keeps its queue and every binding through a cut: nothing is re-bound, the queue is the same', async () => {
  const bindings = Array.from({ length: 50 }, (_, i) => ({ exchange: 'callevt', routingKey: `call.CHANNEL_CREATE.keep-${i}` }));
  await Promise.all(bindings.map((b) => bus.acquire(b)));
  const queue = bus.queueName!;
  const reconnects = bus.reconnects;
  proxy.cutAll();
  await pollUntil('the bus to reconnect', () => (bus.reconnects > reconnects && bus.ready ? true : undefined), 10000);
  expect(bus.queueName).toBe(queue);
  expect(bus.queueLosses).toBe(0);
  expect(await brokerBindings(queue)).toEqual(expect.arrayContaining(bindings.map((b) => `${b.exchange} ${b.routingKey}`)));
});

it('re-creates and re-binds a lost queue, also when the connection drops again while re-binding', async () => {
  const bindings = Array.from({ length: 1000 }, (_, i) => ({ exchange: 'callevt', routingKey: `call.CHANNEL_CREATE.rebind-${i}` }));
  await Promise.all(bindings.map((b) => bus.acquire(b)));
  expect(bus.ready).toBe(true);

  // The queue goes while the bus is cut off, as an expiry or a broker restart would take it.
  proxy.setRefusing(true);
  proxy.cutAll();
  await deleteQueueDirectly(bus.queueName!);
  proxy.setRefusing(false);
  // Cut again as soon as the new connection has re-bound some, but not all, of them.
  await pollUntil('re-binding under way', () => (bus.boundCount > 0 && bus.boundCount < bindings.length ? true : undefined), 10000, 1);
  proxy.cutAll();

  await pollUntil('every binding back on a live connection', () => (bus.ready ? true : undefined), 20000);
  expect(bus.boundCount).toBe(bindings.length);
  expect(bus.queueLosses).toBeGreaterThanOrEqual(1);
  expect((await brokerBindings(bus.queueName!)).filter((b) => b.startsWith('callevt '))).toHaveLength(bindings.length);
});

it('re-attaches when the queue is deleted under a live consumer', async () => {
  const binding = { exchange: 'callevt', routingKey: 'call.CHANNEL_CREATE.deleted-live' };
  await bus.acquire(binding);
  const losses = bus.queueLosses;
  await deleteQueueDirectly(bus.queueName!);
  await pollUntil('the queue re-created and bound', () => (bus.queueLosses > losses && bus.ready ? true : undefined), 10000);
  expect(bus.publish(binding.exchange, binding.routingKey, { 'Event-Name': 'CHANNEL_CREATE' })).toBe(true);
  await pollUntil('the event through the new queue', () => (delivered.includes(binding.routingKey) ? true : undefined), 10000);
});

it('refuses a second consumer on its queue, and deletes the queue when it closes', async () => {
  await bus.acquire({ exchange: 'callevt', routingKey: 'call.CHANNEL_CREATE.owner' });
  const queue = bus.queueName!;
  const connection = await amqp.connect(AMQP_URL);
  const channel = await connection.createChannel();
  const refused = new Promise<string>((resolve) => channel.on('error', (err: Error) => resolve(err.message)));
  await expect(channel.consume(queue, () => undefined)).rejects.toThrow();
  expect(await refused).toMatch(/ACCESS_REFUSED/);
  await connection.close().catch(() => undefined);
  await bus.close();
  expect(await brokerQueueDepth(queue)).toBeUndefined();
});

it('reports every message of a burst as published, even while the channel buffer is full, and each arrives', async () => {
  const binding = { exchange: 'callevt', routingKey: 'call.CHANNEL_CREATE.burst' };
  await bus.acquire(binding);
  const results = Array.from({ length: 3000 }, (_, i) => bus.publish(binding.exchange, binding.routingKey, { 'Event-Name': 'CHANNEL_CREATE', n: i }));
  expect(results.filter((sent) => !sent)).toHaveLength(0);
  await pollUntil('every message back from the broker', () => (delivered.length === results.length ? true : undefined), 10000);
});

it('stays paused (graceful drain) across a reconnection: the new connection binds but does not consume', async () => {
  const binding = { exchange: 'callevt', routingKey: 'call.CHANNEL_CREATE.paused' };
  await bus.acquire(binding);
  await bus.pause();
  const reconnects = bus.reconnects;
  proxy.cutAll();
  await pollUntil('the bus to reconnect', () => (bus.reconnects > reconnects && bus.ready ? true : undefined), 10000);
  expect(bus.publish(binding.exchange, binding.routingKey, { 'Event-Name': 'CHANNEL_CREATE' })).toBe(true);
  // The message waiting in the node's own queue is what "not consuming" looks like on the broker.
  // (A delivery ends the wait at once, and the test fails on it.)
  await pollUntil('the message to wait in the paused queue', async () => (delivered.length > 0 || (await brokerQueueDepth(bus.queueName!)) === 1 ? true : undefined), 20000);
  expect(delivered).toEqual([]);
});

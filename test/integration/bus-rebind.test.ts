// The RabbitMQ bus on its own, behind a proxy the test can cut: re-binding after a reconnection, a
// connection lost again while those bindings are still being re-declared, and publishing in bursts.
import pino from 'pino';
import { AmqpBus } from '../../src/bus/amqp-bus';
import { brokerQueueDepth } from '../helpers/broker';
import { TcpProxy } from '../helpers/tcp-proxy';
import { pollUntil } from '../helpers/wait';

const logger = pino({ level: process.env['EH_TEST_LOG_LEVEL'] ?? 'silent' });
let proxy: TcpProxy;
let bus: AmqpBus;
let delivered: string[] = [];

beforeEach(async () => {
  proxy = await TcpProxy.start(5672);
  bus = new AmqpBus({
    url: `amqp://guest:guest@127.0.0.1:${proxy.port}`,
    exchanges: ['callevt'],
    logger,
    onMessage: (_exchange, routingKey) => delivered.push(routingKey),
    reconnectInitialDelayMs: 50,
    reconnectMaxDelayMs: 200,
  });
  await bus.start();
});
afterEach(async () => {
  delivered = [];
  await bus.close();
  await proxy.close();
});

// RabbitMQ answers one binding change at a time per channel: 500 take long enough to cut in between.
it('reconnects when the connection drops again while the bindings are being re-declared', async () => {
  const bindings = Array.from({ length: 500 }, (_, i) => ({ exchange: 'callevt', routingKey: `call.CHANNEL_CREATE.rebind-${i}` }));
  await Promise.all(bindings.map((b) => bus.acquire(b)));
  expect(bus.ready).toBe(true);

  proxy.cutAll();
  // Cut again as soon as the new connection has re-bound some, but not all, of them.
  await pollUntil('re-binding under way', () => (bus.boundCount > 0 && bus.boundCount < bindings.length ? true : undefined), 10000, 1);
  proxy.cutAll();

  await pollUntil('every binding back on a live connection', () => (bus.ready ? true : undefined), 10000);
  expect(bus.boundCount).toBe(bindings.length);
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

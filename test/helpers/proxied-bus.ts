// Starts the bridge's RabbitMQ bus on its own, behind a fresh TCP proxy the test can cut, reconnecting
// quickly (50–200 ms), so bus tests need no server around it.
import type { AmqpBusOptions } from '../../src/bus/bus-options';
import { AmqpBus } from '../../src/bus/amqp-bus';
import { TcpProxy } from './tcp-proxy';

/** What a test chooses; the URL and the reconnection delays are the helper's. */
export type ProxiedBusOptions = Omit<AmqpBusOptions, 'url' | 'reconnectInitialDelayMs' | 'reconnectMaxDelayMs'>;

/**
 * A started bus and the proxy between it and RabbitMQ (close both after the test).
 * @example ({ bus, proxy } = await startBusBehindProxy({ exchanges: ['callevt'], logger, onMessage }));
 */
export async function startBusBehindProxy(opts: ProxiedBusOptions): Promise<{ bus: AmqpBus; proxy: TcpProxy }> {
  const proxy = await TcpProxy.start(5672);
  const bus = new AmqpBus({ ...opts, url: `amqp://guest:guest@127.0.0.1:${proxy.port}`, reconnectInitialDelayMs: 50, reconnectMaxDelayMs: 200 });
  await bus.start();
  return { bus, proxy };
}

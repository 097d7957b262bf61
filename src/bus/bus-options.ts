// Owns what the RabbitMQ bus is given: its options, which of them come from the configuration, and
// how the broker URL is shown in logs. Knows nothing about AMQP itself.
import type { Logger } from 'pino';

export interface AmqpBusOptions {
  url: string;
  /** Exchanges to make sure exist before binding (the catalogue's). */
  exchanges: string[];
  logger: Logger;
  onMessage: (exchange: string, routingKey: string, content: Buffer) => void;
  reconnectInitialDelayMs?: number;
  reconnectMaxDelayMs?: number;
  /** `EH_AMQP_QUEUE_TTL_MS`: how long the queue outlives a lost connection; 0: exclusive queue, noAck. Default 60000. */
  queueTtlMs?: number;
  /** `EH_AMQP_PREFETCH`, default 500. */
  prefetch?: number;
  /** `EH_AMQP_BIND_CHANNELS`: channels changing bindings in parallel, default 16. */
  bindChannels?: number;
  /** `EH_AMQP_COALESCE_ACCOUNTS`: accounts binding one shape before it is bound once for all; 0: never. Default 0 here. */
  coalesceAccounts?: number;
}

/**
 * The bus options that come from the configuration.
 * @example new AmqpBus({ url, exchanges, logger, onMessage, ...busSettings(config) });
 */
export function busSettings(config: {
  amqpQueueTtlMs: number;
  amqpPrefetch: number;
  amqpBindChannels: number;
  amqpCoalesceAccounts: number;
}): Pick<AmqpBusOptions, 'queueTtlMs' | 'prefetch' | 'bindChannels' | 'coalesceAccounts'> {
  return { queueTtlMs: config.amqpQueueTtlMs, prefetch: config.amqpPrefetch, bindChannels: config.amqpBindChannels, coalesceAccounts: config.amqpCoalesceAccounts };
}

/**
 * The broker URL with its password hidden, for logs.
 * @example redactUrl("amqp://guest:secret@host") // "amqp://guest:***@host"
 */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable AMQP URL)';
  }
}

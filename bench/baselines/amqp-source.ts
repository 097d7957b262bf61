// Owns the AMQP side shared by the baseline servers: the same queue shape as Event Horizon (one
// exclusive auto-delete queue, noAck consumer), refcounted bindings, deliveries handed to a callback.
// Knows nothing about clients or wire formats.
import * as amqp from 'amqplib';

/**
 * A minimal RabbitMQ consumer with refcounted bindings on `callevt`.
 * @example const src = await AmqpSource.open(url, (content) => …); await src.acquire("call.CHANNEL_CREATE.*");
 */
export class AmqpSource {
  private readonly counts = new Map<string, number>();

  private constructor(private readonly connection: amqp.ChannelModel, private readonly channel: amqp.Channel, private readonly queue: string) {}

  static async open(url: string, onMessage: (content: Buffer, routingKey: string) => void): Promise<AmqpSource> {
    const connection = await amqp.connect(url, { noDelay: true });
    const channel = await connection.createChannel();
    await channel.assertExchange('callevt', 'topic', { durable: false });
    const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true, durable: false });
    await channel.consume(queue, (msg) => msg && onMessage(msg.content, msg.fields.routingKey), { noAck: true });
    return new AmqpSource(connection, channel, queue);
  }

  async acquire(routingKey: string): Promise<void> {
    const n = this.counts.get(routingKey) ?? 0;
    this.counts.set(routingKey, n + 1);
    if (n === 0) await this.channel.bindQueue(this.queue, 'callevt', routingKey);
  }

  release(routingKey: string): void {
    const n = this.counts.get(routingKey) ?? 0;
    if (n <= 1) {
      this.counts.delete(routingKey);
      if (n === 1) void this.channel.unbindQueue(this.queue, 'callevt', routingKey).catch(() => undefined);
    } else this.counts.set(routingKey, n - 1);
  }

  close(): Promise<void> {
    return this.connection.close().catch(() => undefined);
  }
}

/** The account a KAZOO call event belongs to (Custom-Channel-Vars first, as KAZOO reads it). */
export function accountOf(payload: Record<string, unknown>): string | undefined {
  const ccv = payload['Custom-Channel-Vars'] as Record<string, unknown> | undefined;
  const id = ccv?.['Account-ID'] ?? payload['Account-ID'];
  return typeof id === 'string' ? id : undefined;
}

/** `--name value` from argv, or the fallback. */
export function argOf(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

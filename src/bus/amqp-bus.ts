// Owns the RabbitMQ connection: one exclusive, auto-delete queue per process, refcounted bindings
// applied on the broker, reconnection with backoff and re-binding, consuming and publishing.
import * as amqp from 'amqplib';
import type { Logger } from 'pino';
import type { AmqpBinding } from '../bindings/family';
import type { EventBus } from '../hub/event-bus';
import { BindingRefcounts, BindingState } from './binding-refcounts';
import { declareExchanges } from './exchanges';

export interface AmqpBusOptions {
  url: string;
  /** Exchanges to make sure exist before binding (the catalogue's). */
  exchanges: string[];
  logger: Logger;
  onMessage: (exchange: string, routingKey: string, content: Buffer) => void;
  reconnectInitialDelayMs?: number;
  reconnectMaxDelayMs?: number;
}

/** The broker URL with its password hidden, for logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable AMQP URL)';
  }
}

/**
 * The RabbitMQ event bus.
 * @example
 * const bus = new AmqpBus({ url, exchanges: ["callevt"], logger, onMessage: hub.deliver });
 * bus.start(); await bus.acquire({ exchange: "callevt", routingKey: "call.CHANNEL_CREATE.*" });
 */
export class AmqpBus implements EventBus {
  private readonly refs = new BindingRefcounts();
  private connection?: amqp.RecoveringChannelModel;
  private channel?: amqp.Channel;
  private queue?: string;
  private stopped = false;
  /** Set by pause() (graceful drain): later connections bind but do not consume. */
  private paused = false;
  private consumerTag?: string;
  /** Times the broker connection was lost. */
  reconnects = 0;

  constructor(private readonly opts: AmqpBusOptions) {}

  /** Whether the queue is consuming and every wanted binding is live. */
  get ready(): boolean {
    return this.channel !== undefined && this.refs.wanted().every((s) => s.bound);
  }

  /** Number of bindings this node holds on the broker. */
  get boundCount(): number {
    let n = 0;
    for (const s of this.refs.all()) if (s.bound) n++;
    return n;
  }

  get queueName(): string | undefined {
    return this.queue;
  }

  /** Starts connecting in the background; keeps retrying while the broker is unreachable. */
  async start(): Promise<void> {
    const { logger } = this.opts;
    const url = redactUrl(this.opts.url);
    const connection = await amqp.connect(this.opts.url, {
      recovery: {
        waitForConnect: false,
        initialDelay: this.opts.reconnectInitialDelayMs ?? 200,
        maxDelay: this.opts.reconnectMaxDelayMs ?? 5000,
        setup: (model: amqp.ChannelModel) => this.setup(model),
      },
    });
    this.connection = connection;
    connection.on('connect', () => logger.info({ url, queue: this.queue }, 'connected to RabbitMQ'));
    connection.on('disconnect', (err: Error) => {
      this.reconnects++;
      this.lostChannel();
      logger.warn({ url, err: err.message }, 'lost the RabbitMQ connection; reconnecting');
    });
    connection.on('connect-failed', (err: Error) => logger.warn({ url, err: err.message }, 'cannot reach RabbitMQ; retrying'));
    connection.on('error', (err: Error) => logger.debug({ err: err.message }, 'RabbitMQ connection error'));
  }

  /**
   * Runs after every (re)connection: channel, exchanges, queue, consumer (unless paused), then every
   * wanted binding.
   * amqplib's recovery watches the connection only once this resolves: until then an unheard 'error'
   * would crash the process and a close would go unnoticed, so setup listens itself and fails (to be
   * retried) when the connection or channel was lost before every binding was re-declared.
   */
  private async setup(model: amqp.ChannelModel): Promise<void> {
    let lost = false;
    model.on('error', () => undefined); // reported by the 'close' that follows, as connect-failed
    model.once('close', () => {
      lost = true;
    });
    await declareExchanges(model, this.opts.exchanges);
    const channel = await model.createChannel();
    channel.on('error', (err: Error) => this.opts.logger.warn({ err: err.message }, 'RabbitMQ channel error'));
    channel.on('close', () => {
      if (this.channel !== channel) return;
      // A channel closed under a live connection (e.g. a broker-side error): start over on a new connection.
      this.lostChannel();
      if (!this.stopped) model.close().catch(() => undefined);
    });
    const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true, durable: false });
    if (!this.paused) {
      const { consumerTag } = await channel.consume(queue, (msg) => {
        if (msg) this.opts.onMessage(msg.fields.exchange, msg.fields.routingKey, msg.content);
      }, { noAck: true });
      this.consumerTag = consumerTag;
    }
    for (const state of this.refs.all()) state.bound = false;
    this.channel = channel;
    this.queue = queue;
    await Promise.all(this.refs.wanted().map((state) => this.sync(state)));
    if (lost || this.channel !== channel) throw new Error('lost the RabbitMQ connection while re-declaring bindings');
  }

  private lostChannel(): void {
    this.channel = undefined;
    for (const state of this.refs.all()) state.bound = false;
  }

  acquire(binding: AmqpBinding): Promise<void> {
    const state = this.refs.acquire(binding);
    // Live and settled: nothing to wait for. Otherwise wait, and make sure a sync is queued after
    // any unbind still in flight from the last release.
    if (state.bound && state.inFlight === 0) return Promise.resolve();
    const live = new Promise<void>((resolve, reject) => state.waiters.push({ resolve, reject }));
    if (state.count === 1) void this.sync(state);
    return live;
  }

  release(binding: AmqpBinding): void {
    const state = this.refs.release(binding);
    if (state && state.count === 0) void this.sync(state);
  }

  /** Brings one binding's broker state in line with its count; operations on it never overlap. */
  private sync(state: BindingState): Promise<void> {
    state.inFlight++;
    state.chain = state.chain.then(async () => {
      try {
        await this.apply(state);
      } finally {
        state.inFlight--;
      }
      if (state.bound && state.count > 0) state.settle();
      this.refs.forgetIfIdle(state);
    });
    return state.chain;
  }

  /** One broker operation, if the binding's count and broker state disagree. */
  private async apply(state: BindingState): Promise<void> {
    const channel = this.channel;
    if (!channel || !this.queue) return; // applied by setup() after the next connection
    const { exchange, routingKey } = state.binding;
    try {
      if (state.count > 0 && !state.bound) {
        await channel.bindQueue(this.queue, exchange, routingKey);
        state.bound = true;
      } else if (state.count === 0 && state.bound) {
        await channel.unbindQueue(this.queue, exchange, routingKey);
        state.bound = false;
      }
    } catch (err) {
      // The channel ended under the operation: at shutdown (the exclusive queue and its bindings go with
      // the connection), or when the connection was lost (setup() re-binds what is still wanted). Moot, not a fault.
      if (this.stopped || this.channel !== channel) {
        this.opts.logger.debug({ exchange, routingKey, err: (err as Error).message }, 'AMQP binding change dropped: its channel ended');
        return;
      }
      this.opts.logger.warn({ exchange, routingKey, err: (err as Error).message }, 'AMQP binding change failed');
    }
  }

  /**
   * Publishes one JSON payload (used by the simulator and app events); false only when no live channel
   * took it. amqplib's own `false` means "write buffer full, queued anyway": the message still goes.
   */
  publish(exchange: string, routingKey: string, payload: unknown): boolean {
    const channel = this.channel;
    if (!channel) return false;
    try {
      channel.publish(exchange, routingKey, Buffer.from(JSON.stringify(payload)), { contentType: 'application/json' });
      return true;
    } catch (err) {
      // The channel closed a moment ago and its 'close' has not reached us yet.
      this.opts.logger.warn({ exchange, routingKey, err: (err as Error).message }, 'AMQP publish failed');
      return false;
    }
  }

  /**
   * Stops consuming (graceful drain): resolves once the broker confirmed the cancel, so every delivery
   * already on its way has been handed to `onMessage`. Bindings stay until `close()`, and a
   * reconnection in the meantime does not start consuming again.
   */
  async pause(): Promise<void> {
    this.paused = true;
    const channel = this.channel;
    const tag = this.consumerTag;
    this.consumerTag = undefined;
    if (channel && tag) await channel.cancel(tag).catch(() => undefined);
  }

  async close(): Promise<void> {
    this.stopped = true;
    for (const state of this.refs.all()) state.fail(new Error('event bus closed'));
    this.channel = undefined;
    await this.connection?.close().catch(() => undefined);
  }
}

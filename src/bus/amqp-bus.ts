// Owns the RabbitMQ connection: the node's queue (outliving a lost connection for EH_AMQP_QUEUE_TTL_MS),
// refcounted bindings applied on the broker over parallel channels (account bindings of one shape
// coalesced into one, see binding-coalescer.ts), reconnection with backoff and re-attaching (re-binding
// only what the broker lost), consuming and publishing.
import * as amqp from 'amqplib';
import type { AmqpBinding } from '../bindings/family';
import type { EventBus } from '../hub/event-bus';
import { BindingRefcounts, BindingState } from './binding-refcounts';
import { BindingCoalescer } from './binding-coalescer';
import { declareExchanges } from './exchanges';
import { RedeliveryFilter } from './redelivery-filter';
import { QueueConsumer, startConsumer } from './queue-consumer';
import { bindingsSurvived, declareNodeQueue, newQueueToken, nodeQueueName } from './queue-topology';
import { type AmqpBusOptions, redactUrl } from './bus-options';

export type { AmqpBusOptions } from './bus-options';
export { busSettings, redactUrl } from './bus-options';

/**
 * The RabbitMQ event bus.
 * @example
 * const bus = new AmqpBus({ url, exchanges: ["callevt"], logger, onMessage: hub.deliver });
 * bus.start(); await bus.acquire({ exchange: "callevt", routingKey: "call.CHANNEL_CREATE.*" });
 */
export class AmqpBus implements EventBus {
  private readonly refs = new BindingRefcounts();
  /** Coalesces account bindings of one shape (EH_AMQP_COALESCE_ACCOUNTS); absent when off. */
  private readonly coalescer?: BindingCoalescer;
  private connection?: amqp.RecoveringChannelModel;
  /** The consuming channel; set while connected. */
  private channel?: amqp.Channel;
  /** Channels that change bindings (the first is the consuming one). */
  private bindChannels: amqp.Channel[] = [];
  private nextBindChannel = 0;
  private queue?: string;
  private stopped = false;
  /** Set by pause() (graceful drain): later connections bind but do not consume. */
  private paused = false;
  private consumer?: QueueConsumer;
  private readonly ttlMs: number;
  private readonly prefetch: number;
  private readonly queueToken = newQueueToken();
  /** Bumped when the queue is unavailable (its RabbitMQ node is down): the next name is new. */
  private queueGeneration = 0;
  private readonly filter: RedeliveryFilter;
  private connectedOnce = false;
  /** Times the broker connection was lost. */
  reconnects = 0;
  /** Reconnections that found the queue, or its bindings, gone (broker restart, expiry, deletion): events meanwhile were lost. */
  queueLosses = 0;
  /** How long the last (re)connection took from connect to every binding live, in ms (benchmarks, logs). */
  lastRestoreMs = 0;

  constructor(private readonly opts: AmqpBusOptions) {
    this.ttlMs = opts.queueTtlMs ?? 60000;
    this.prefetch = opts.prefetch ?? 500;
    // Twice the prefetch: every delivery RabbitMQ can requeue is among the last `prefetch` (see the filter).
    this.filter = new RedeliveryFilter(this.prefetch * 2);
    const threshold = opts.coalesceAccounts ?? 0;
    if (threshold > 0) {
      this.coalescer = new BindingCoalescer({ acquire: (b) => this.acquireOnBroker(b), release: (b) => this.releaseOnBroker(b) }, threshold);
    }
  }

  /** Whether the queue is consuming and every wanted binding is live. */
  get ready(): boolean {
    return this.channel !== undefined && this.refs.wanted().every((s) => s.bound);
  }

  /** Shapes bound once for all their accounts (coalesced), now. */
  get coalescedShapes(): number {
    return this.coalescer?.coalescedShapes ?? 0;
  }

  /** Number of bindings this node holds on the broker. */
  get boundCount(): number {
    let n = 0;
    for (const s of this.refs.all()) if (s.bound) n++;
    return n;
  }

  /** Redeliveries of events already handed to the clients, recognised and dropped, since start. */
  get redeliveriesDropped(): number {
    return this.filter.dropped;
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
   * Runs after every (re)connection: exchanges, queue (re-attached when it outlived the cut),
   * consumer (unless paused), then every binding the broker does not already hold.
   * amqplib's recovery watches the connection only once this resolves: until then an unheard 'error'
   * would crash the process and a close would go unnoticed, so setup listens itself and fails (to be
   * retried) when the connection or channel was lost before every binding was re-declared.
   */
  private async setup(model: amqp.ChannelModel): Promise<void> {
    const startedAt = Date.now();
    let lost = false;
    model.on('error', () => undefined); // reported by the 'close' that follows, as connect-failed
    model.once('close', () => {
      lost = true;
    });
    await declareExchanges(model, this.opts.exchanges);
    const channels = await Promise.all(Array.from({ length: Math.max(1, this.opts.bindChannels ?? 16) }, () => model.createChannel()));
    const channel = channels[0]!;
    for (const ch of channels) {
      ch.on('error', (err: Error) => this.opts.logger.warn({ err: err.message }, 'RabbitMQ channel error'));
      ch.on('close', () => {
        if (this.channel !== channel) return;
        // A channel closed under a live connection (e.g. a broker-side error): start over on a new connection.
        this.lostChannel();
        if (!this.stopped) model.close().catch(() => undefined);
      });
    }
    const queue = await this.declareQueue(channel);
    const survived = this.ttlMs > 0 && (await bindingsSurvived(model, queue));
    if (!survived && this.connectedOnce && this.ttlMs > 0) {
      this.queueLosses++;
      this.opts.logger.warn({ queue }, 'the RabbitMQ queue or its bindings did not survive (broker restart, expiry or deletion): re-binding everything; events published meanwhile were lost');
    }
    this.connectedOnce = true;
    if (!this.paused) {
      this.consumer = await startConsumer(channel, queue, {
        acknowledge: this.ttlMs > 0,
        prefetch: this.prefetch,
        filter: this.filter,
        onMessage: this.opts.onMessage,
        onCancelled: () => {
          this.opts.logger.warn({ queue }, 'RabbitMQ cancelled the consumer (queue deleted): reconnecting');
          this.lostChannel();
          if (!this.stopped) model.close().catch(() => undefined);
        },
      });
    }
    if (!survived) for (const state of this.refs.all()) state.bound = false;
    this.channel = channel;
    this.bindChannels = channels;
    this.queue = queue;
    // Only what disagrees with the broker: everything after a queue loss, after a blip at most the
    // changes that were in flight or asked for during the cut.
    const pending: Promise<void>[] = [];
    for (const state of [...this.refs.all()]) {
      if ((state.count > 0) !== state.bound) pending.push(this.sync(state));
      else this.refs.forgetIfIdle(state);
    }
    await Promise.all(pending);
    if (lost || this.channel !== channel) throw new Error('lost the RabbitMQ connection while re-declaring bindings');
    this.lastRestoreMs = Date.now() - startedAt;
    this.opts.logger.info({ queue, survived, rebound: pending.length, ms: this.lastRestoreMs }, 'RabbitMQ queue attached');
  }

  /** The node's queue; a queue RabbitMQ says is unavailable (its node is down) is replaced by a new one. */
  private async declareQueue(channel: amqp.Channel): Promise<string> {
    try {
      return await declareNodeQueue(channel, nodeQueueName(this.queueToken, this.queueGeneration), this.ttlMs);
    } catch (err) {
      if ((err as { code?: number }).code === 404) {
        this.queueGeneration++;
        this.opts.logger.warn({ err: (err as Error).message }, 'the RabbitMQ queue is unavailable (its node is down?): the next connection uses a new one');
      }
      throw err;
    }
  }

  private lostChannel(): void {
    this.channel = undefined;
    this.bindChannels = [];
    this.consumer = undefined;
    // An exclusive queue goes with its connection; a surviving one keeps its bindings (checked on reconnection).
    if (this.ttlMs <= 0) for (const state of this.refs.all()) state.bound = false;
  }

  /** Resolves once events matching the binding reach the node (its own broker binding, or its shape's). */
  acquire(binding: AmqpBinding): Promise<void> {
    return this.coalescer ? this.coalescer.acquire(binding) : this.acquireOnBroker(binding);
  }

  release(binding: AmqpBinding): void {
    if (this.coalescer) this.coalescer.release(binding);
    else this.releaseOnBroker(binding);
  }

  private acquireOnBroker(binding: AmqpBinding): Promise<void> {
    const state = this.refs.acquire(binding);
    // Live and settled: nothing to wait for. Otherwise wait, and make sure a sync is queued after
    // any unbind still in flight from the last release.
    if (state.bound && state.inFlight === 0) return Promise.resolve();
    const live = new Promise<void>((resolve, reject) => state.waiters.push({ resolve, reject }));
    if (state.count === 1) void this.sync(state);
    return live;
  }

  private releaseOnBroker(binding: AmqpBinding): void {
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
      // Live, or released meanwhile (whoever waits no longer needs it).
      if ((state.bound && state.count > 0) || state.count === 0) state.settle();
      this.refs.forgetIfIdle(state);
    });
    return state.chain;
  }

  /** One broker operation, if the binding's count and broker state disagree. */
  private async apply(state: BindingState): Promise<void> {
    const main = this.channel;
    const channel = this.bindChannels[this.nextBindChannel++ % Math.max(1, this.bindChannels.length)];
    if (!main || !channel || !this.queue) return; // applied by setup() after the next connection
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
      // The channel ended under the operation: at shutdown (the queue is deleted), or when the connection
      // was lost (setup() re-applies what disagrees with the broker). Moot, not a fault.
      if (this.stopped || this.channel !== main) {
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
    const consumer = this.consumer;
    this.consumer = undefined;
    if (channel && consumer) {
      consumer.flush();
      await channel.cancel(consumer.consumerTag).catch(() => undefined);
    }
  }

  /** Stops: deletes the node's queue (a surviving queue would otherwise wait out its TTL), then disconnects. */
  async close(): Promise<void> {
    this.stopped = true;
    for (const state of this.refs.all()) state.fail(new Error('event bus closed'));
    const channel = this.channel;
    this.consumer?.flush();
    this.channel = undefined;
    if (channel && this.queue && this.ttlMs > 0) {
      let timer: NodeJS.Timeout | undefined;
      const gaveUp = new Promise<void>((resolve) => (timer = setTimeout(resolve, 2000)));
      await Promise.race([channel.deleteQueue(this.queue).then(() => undefined, () => undefined), gaveUp]);
      clearTimeout(timer);
    }
    await this.connection?.close().catch(() => undefined);
  }
}

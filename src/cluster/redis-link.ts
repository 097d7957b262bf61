// Owns the node's Redis connections (commands + subscriber), their reconnect policy and the up/down
// state, logged once per change. Knows nothing about sockets, rooms or what the channels carry.
import { createClient } from 'redis';
import type { Logger } from 'pino';

export type RedisClient = ReturnType<typeof createClient>;

/** Subscription calls deferred until the subscriber first connects. */
const SUBSCRIBE_CALLS = new Set<string | symbol>(['subscribe', 'pSubscribe', 'sSubscribe', 'SUBSCRIBE', 'PSUBSCRIBE', 'SSUBSCRIBE']);

/**
 * A view of a client whose promise-returning calls never cause an unhandled rejection (the caller still
 * sees the rejection when it awaits); `defer` wraps subscription calls when given.
 */
function quiet(client: RedisClient, defer?: <T>(call: () => Promise<T>) => Promise<T>): RedisClient {
  return new Proxy(client, {
    get(obj, prop) {
      const value: unknown = Reflect.get(obj, prop, obj);
      if (typeof value !== 'function') return value;
      const fn = value as (...args: unknown[]) => unknown;
      return (...args: unknown[]) => {
        const call = () => fn.apply(obj, args);
        const result = defer && SUBSCRIBE_CALLS.has(prop) ? defer(call as () => Promise<unknown>) : call();
        if (result instanceof Promise) result.catch(() => undefined);
        return result;
      };
    },
  });
}

/** Longest wait between reconnect attempts. */
const MAX_RECONNECT_DELAY_MS = 2000;

export interface RedisLinkOptions {
  url: string;
  logger: Logger;
  /** Names the connections in `CLIENT LIST`. */
  clientName: string;
}

/**
 * Two Redis connections that never crash the process: while Redis is away commands fail fast (no
 * offline queue), subscriptions are restored on reconnect, and `onChange` tells who cares.
 * @example
 * const link = new RedisLink({ url: 'redis://127.0.0.1:6379', logger, clientName: 'eh-node-1' });
 * link.onChange((up) => up && republish()); link.start(); … await link.close();
 */
export class RedisLink {
  /** Commands and publishes; commands issued while Redis is down reject at once. */
  readonly commands: RedisClient;
  /** Subscriptions only (a subscribed connection cannot run commands). */
  readonly subscriber: RedisClient;
  private readonly listeners: Array<(up: boolean) => void> = [];
  private state: 'connecting' | 'up' | 'down' = 'connecting';
  private closed = false;
  private subscriberSeenReady = false;

  constructor(private readonly opts: RedisLinkOptions) {
    const options = {
      url: opts.url,
      name: opts.clientName,
      disableOfflineQueue: true,
      pingInterval: 5000,
      socket: { connectTimeout: 2000, reconnectStrategy: (retries: number) => Math.min(100 * 2 ** Math.min(retries, 5), MAX_RECONNECT_DELAY_MS) },
    };
    this.commands = createClient(options);
    this.subscriber = this.commands.duplicate();
    for (const client of [this.commands, this.subscriber]) {
      client.on('error', (err: Error) => this.sawFailure(err));
      client.on('ready', () => this.sawReady());
      // Some failures (a PING answered -BUSY or -LOADING) are reported without the connection dropping,
      // so no `ready` follows them: a ping that succeeds again is what says Redis is back.
      client.on('ping-interval', () => this.sawReady());
    }
  }

  /** Whether both connections are usable now. */
  get up(): boolean {
    return this.state === 'up';
  }

  /** Runs `listener(up)` on every change between reachable and unreachable. */
  onChange(listener: (up: boolean) => void): void {
    this.listeners.push(listener);
  }

  /**
   * Starts connecting in the background (the node serves locally meanwhile); resolves once both
   * connections are ready or `waitMs` passed, whichever is first.
   */
  async start(waitMs = 1500): Promise<void> {
    const connected = Promise.all([this.commands.connect(), this.subscriber.connect()]).then(() => undefined);
    connected.catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([connected, new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)))]);
    clearTimeout(timer);
    if (this.state === 'connecting') this.sawFailure(new Error(`no answer from ${this.shownUrl} within ${waitMs} ms`));
  }

  private get shownUrl(): string {
    return this.opts.url.replace(/\/\/[^@/]*@/, '//***@');
  }

  private sawFailure(err: Error): void {
    if (this.closed || this.state === 'down') return;
    this.state = 'down';
    this.opts.logger.error(
      { redis: this.shownUrl, err: err.message },
      'Redis unreachable: serving this node\'s clients locally; cluster broadcast, stats, limits and revocations paused until it is back (retrying)',
    );
    this.emit(false);
  }

  private sawReady(): void {
    if (this.closed || !this.commands.isReady || !this.subscriber.isReady || this.state === 'up') return;
    const wasDown = this.state === 'down';
    this.state = 'up';
    if (wasDown) this.opts.logger.warn({ redis: this.shownUrl }, 'Redis reachable again: cluster mode restored');
    else this.opts.logger.info({ redis: this.shownUrl }, 'Redis connected: cluster mode');
    this.emit(true);
  }

  private emit(up: boolean): void {
    for (const l of this.listeners) {
      try {
        l(up);
      } catch (err) {
        this.opts.logger.error({ err }, 'Redis state listener failed');
      }
    }
  }

  /**
   * The two clients as the Socket.IO adapter should see them. The adapter fires Redis calls without
   * awaiting them, so each call's promise gets a handler (a failure while Redis is away must not crash
   * the process); and it subscribes at once, while node-redis forgets subscriptions made before its
   * first connection, so subscribing waits for the subscriber's first `ready` (later reconnects
   * restore them by themselves).
   */
  adapterClients(): { pub: RedisClient; sub: RedisClient } {
    return { pub: quiet(this.commands), sub: quiet(this.subscriber, (call) => this.whenSubscriberReady(call)) };
  }

  /**
   * Subscribes to a channel from the subscriber's first connection on; the listener gets each message.
   * @example link.subscribe('eh:cluster:revoked', (message) => handle(JSON.parse(message)));
   */
  subscribe(channel: string, listener: (message: string) => void): void {
    void this.whenSubscriberReady(() => this.subscriber.subscribe(channel, listener)).catch(() => undefined);
  }


  private whenSubscriberReady<T>(call: () => Promise<T>): Promise<T> {
    if (this.subscriberSeenReady || this.subscriber.isReady) {
      this.subscriberSeenReady = true;
      return call();
    }
    return new Promise<T>((resolve, reject) => {
      this.subscriber.once('ready', () => {
        this.subscriberSeenReady = true;
        call().then(resolve, reject);
      });
    });
  }

  /** Publishes a message; false (never a throw) when Redis is away. */
  async publish(channel: string, message: string): Promise<boolean> {
    if (!this.up) return false;
    try {
      await this.commands.publish(channel, message);
      return true;
    } catch {
      return false;
    }
  }

  /** Closes both connections; pending commands fail. */
  async close(): Promise<void> {
    this.closed = true;
    for (const client of [this.subscriber, this.commands]) {
      if (client.isReady) await client.close().catch(() => client.destroy());
      else if (client.isOpen) client.destroy();
    }
  }
}

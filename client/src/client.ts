// Owns the public client: tokens (getToken on every connect and after every token refusal), commands
// and their replies, subscriptions by (account, binding) and bringing them back after a reconnect
// (resume first, subscribe otherwise). The socket's life is Connection's.
import { Connection } from './connection';
import { Emitter } from './emitter';
import { ConnectionError, ReplyError, TimeoutError } from './errors';
import type { EventEnvelope, EventHandler } from './events';
import { PendingRequests, ReplyEnvelope } from './requests';
import { globalWebSocket } from './socket';
import { AnyHandler, SubscriptionRegistry, subscriptionKey } from './subscriptions';
import type { ClientEvents, ClientOptions, ConnectionState } from './types';

/** Unsubscribes the handler; `ready` settles when the server confirmed (or refused) every binding. */
export type Subscription = (() => void) & { ready: Promise<void> };

interface Deferred {
  promise: Promise<void>;
  resolve(): void;
  reject(err: Error): void;
}

function deferred(): Deferred {
  const d = {} as Deferred;
  d.promise = new Promise<void>((resolve, reject) => Object.assign(d, { resolve, reject }));
  d.promise.catch(() => undefined); // settled for whoever awaits it; never an unhandled rejection
  return d;
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/**
 * A KAZOO event client over the raw WebSocket envelope protocol.
 * @example
 * const client = new EventHorizonClient({ url: 'ws://localhost:5555/', getToken: () => token });
 * client.connect();
 * client.subscribe(accountId, 'call.CHANNEL_CREATE.*', (e) => console.log(e.data.caller_id_name));
 */
export class EventHorizonClient extends Emitter<ClientEvents> {
  private current: ConnectionState = 'idle';
  private readonly connection: Connection;
  private readonly requests: PendingRequests;
  private readonly registry = new SubscriptionRegistry();
  private readonly confirmations = new Map<string, Deferred>();
  private token: string | undefined;
  private refreshing: Promise<string> | undefined;
  private ready = false;
  private everOpened = false;
  private waiters: Array<() => void> = [];
  private resumeToken: string | undefined;
  private heldAtDrop: Array<[string, string]> = [];
  private keepalive: ReturnType<typeof setInterval> | undefined;
  private readonly requestTimeoutMs: number;

  constructor(private readonly options: ClientOptions) {
    super();
    const WebSocket = options.WebSocket ?? globalWebSocket();
    if (!WebSocket) throw new TypeError('no WebSocket in this runtime: pass options.WebSocket (on Node 20: require("ws"))');
    this.requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    this.requests = new PendingRequests(options.requestIdPrefix ?? 'eh-');
    this.connection = new Connection(
      { url: options.url, WebSocket, openTimeoutMs: options.openTimeoutMs ?? 10_000, backoff: options.backoff ?? {} },
      {
        connecting: (attempt) => this.setState(attempt === 0 && !this.everOpened ? 'connecting' : 'reconnecting'),
        opened: () => void this.opened(),
        message: (text) => this.received(text),
        closed: (info, retry) => {
          this.lost(`connection closed (${info.code}${info.reason ? ` ${info.reason}` : ''})`);
          this.emit('close', info);
          if (retry) {
            this.setState('reconnecting');
            this.emit('reconnecting', retry);
          }
        },
      },
    );
  }

  /** Where the connection is now. */
  get state(): ConnectionState {
    return this.current;
  }

  /** Opens the connection and keeps it open (reconnecting with backoff) until close(). */
  connect(): this {
    if (this.current === 'closed') throw new ConnectionError('this client was closed: create a new one');
    this.connection.start();
    return this;
  }

  /** Closes for good: no reconnect, pending requests fail, subscriptions end. */
  close(): void {
    this.resumeToken = undefined;
    this.connection.stop();
    this.setState('closed');
    for (const wake of this.waiters.splice(0)) wake();
  }

  /**
   * Calls `handler` with every event of `binding` (or each of `bindings`) of `accountId`. Handlers of
   * one binding share one server subscription; a subscribe made before the socket opens is sent once
   * it does, and every subscription comes back by itself after a reconnect.
   * @example
   * const off = client.subscribe(accountId, 'call.CHANNEL_CREATE.*', (e) => console.log(e.data.caller_id_number));
   * await off.ready; … off();
   */
  subscribe<B extends string>(accountId: string, binding: B | readonly B[], handler: EventHandler<B>): Subscription {
    const bindings: readonly B[] = typeof binding === 'string' ? [binding as B] : (binding as readonly B[]);
    const h = handler as unknown as AnyHandler;
    const confirmations = bindings.map((b) => {
      const first = this.registry.add(accountId, b, h);
      const confirmation = this.confirmation(accountId, b);
      if (first && this.ready) void this.subscribeOne(accountId, b);
      else if (this.registry.isHeld(accountId, b)) confirmation.resolve();
      return confirmation.promise;
    });
    const unsubscribe = (() => {
      for (const b of bindings) if (this.registry.remove(accountId, b, h)) this.release(accountId, b);
    }) as Subscription;
    unsubscribe.ready = Promise.all(confirmations).then(() => undefined);
    unsubscribe.ready.catch(() => undefined);
    return unsubscribe;
  }

  /**
   * Sends one command and resolves with its reply's `data`; rejects with ReplyError (an error reply),
   * TimeoutError or ConnectionError. Waits for the connection when it is (re)connecting.
   * @example const data = await client.request('api', { verb: 'GET', path: `/v2/accounts/${id}/users` });
   */
  async request(action: string, data?: Record<string, unknown>, timeoutMs = this.requestTimeoutMs): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    await this.whenReady(action, timeoutMs);
    try {
      return await this.sendNow(action, data, Math.max(1, deadline - Date.now()));
    } catch (err) {
      if (!(err instanceof ReplyError) || err.kind !== 'token') throw err;
      await this.refreshToken();
      return this.sendNow(action, data, Math.max(1, deadline - Date.now()));
    }
  }

  /**
   * Round trip of one `ping`, in ms.
   * @example const ms = await client.ping();
   */
  async ping(timeoutMs = this.requestTimeoutMs): Promise<number> {
    const now = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());
    const started = now();
    await this.request('ping', undefined, timeoutMs);
    return now() - started;
  }

  /**
   * Publishes an application event to every subscriber of `app_event.{app}.{event}` of the account.
   * @example await client.publishAppEvent(accountId, 'crm', 'ticket_updated', { id: 42 });
   */
  publishAppEvent(accountId: string, app: string, event: string, payload: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    return this.request('publish_app_event', { account_id: accountId, app, event, payload });
  }

  /**
   * One Crossbar request through the bridge, with the client's token.
   * @example const { response } = await client.api('GET', `/v2/accounts/${accountId}/users`);
   */
  api(verb: 'GET' | 'PUT' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: Record<string, unknown>): Promise<Record<string, unknown>> {
    return this.request('api', body === undefined ? { verb, path } : { verb, path, body }, this.options.requestTimeoutMs ?? 15_000);
  }

  private setState(state: ConnectionState): void {
    if (state === this.current || this.current === 'closed') return;
    const previous = this.current;
    this.current = state;
    this.emit('state', { state, previous });
  }

  private async opened(): Promise<void> {
    try {
      this.token = await this.options.getToken();
      this.emit('token', { reason: 'connect' });
    } catch (err) {
      this.emit('error', new Error(`getToken() failed: ${err instanceof Error ? err.message : String(err)}`));
      this.connection.drop('no token');
      return;
    }
    if (!this.connection.isOpen) return;
    const reconnect = this.everOpened;
    this.everOpened = true;
    this.ready = true;
    this.setState('open');
    this.emit('open', { reconnect });
    for (const wake of this.waiters.splice(0)) wake();
    this.startKeepalive();
    await this.restore(reconnect);
  }

  /** Brings every wanted subscription back on a new socket: resume when the server still parks them. */
  private async restore(reconnect: boolean): Promise<void> {
    const previous = this.heldAtDrop;
    this.heldAtDrop = [];
    let resumed = false;
    let missed = 0;
    if (this.options.resume !== false && this.resumeToken && previous.length > 0) {
      try {
        const data = await this.request('resume', { resume_token: this.resumeToken });
        resumed = data['recovered'] === true;
        missed = typeof data['missed'] === 'number' ? data['missed'] : 0;
        if (typeof data['resume_token'] === 'string') this.resumeToken = data['resume_token'];
        for (const [account, binding] of previous) {
          this.registry.markHeld(account, binding);
          if (!this.registry.wants(account, binding)) this.release(account, binding);
        }
      } catch (err) {
        if (!(err instanceof ReplyError)) return; // the socket went again: the next open restores
      }
    }
    const subscribes: Array<Promise<boolean>> = [];
    for (const [account, bindings] of this.registry.wanted()) {
      for (const b of bindings) if (!this.registry.isHeld(account, b)) subscribes.push(this.subscribeOne(account, b));
    }
    const results = await Promise.all(subscribes);
    if (results.every(Boolean) && this.ready) this.connection.resetBackoff();
    if (reconnect) {
      const bindings = [...this.registry.wanted().values()].flat();
      this.emit('restored', { resumed, missed, bindings });
    }
  }

  /** Subscribes one binding; true when the server holds it now. */
  private async subscribeOne(accountId: string, binding: string): Promise<boolean> {
    const confirmation = this.confirmation(accountId, binding);
    try {
      const data = await this.request('subscribe', { account_id: accountId, binding });
      if (typeof data['resume_token'] === 'string') this.resumeToken = data['resume_token'];
      if (!this.registry.wants(accountId, binding)) {
        this.release(accountId, binding, true);
        return true;
      }
      this.registry.markHeld(accountId, binding);
      confirmation.resolve();
      return true;
    } catch (err) {
      if (err instanceof ReplyError) {
        this.registry.drop(accountId, binding);
        this.confirmations.delete(subscriptionKey(accountId, binding));
        confirmation.reject(err);
        this.emit('refused', { accountId, binding, error: err });
      } else if (err instanceof TimeoutError) {
        this.emit('error', err);
      }
      return false;
    }
  }

  /** Tells the server a binding is no longer wanted (when it holds it). */
  private release(accountId: string, binding: string, force = false): void {
    this.confirmations.delete(subscriptionKey(accountId, binding));
    if (!force && !this.registry.isHeld(accountId, binding)) return;
    this.registry.markReleased(accountId, binding);
    if (this.ready) this.request('unsubscribe', { account_id: accountId, binding }).catch(() => undefined);
  }

  private confirmation(accountId: string, binding: string): Deferred {
    const key = subscriptionKey(accountId, binding);
    let d = this.confirmations.get(key);
    if (!d) this.confirmations.set(key, (d = deferred()));
    return d;
  }

  private sendNow(action: string, data: Record<string, unknown> | undefined, timeoutMs: number): Promise<Record<string, unknown>> {
    const { id, reply } = this.requests.open(action, timeoutMs);
    const envelope: Record<string, unknown> = { action, auth_token: this.token, request_id: id };
    if (data !== undefined) envelope['data'] = data;
    const text = JSON.stringify(envelope);
    if (this.connection.send(text)) this.emit('frame', { direction: 'out', text });
    else this.requests.fail(id, new ConnectionError(`${action}: not connected`));
    return reply;
  }

  private whenReady(action: string, timeoutMs: number): Promise<void> {
    if (this.ready) return Promise.resolve();
    if (this.current === 'closed' || this.current === 'idle') return Promise.reject(new ConnectionError(`${action}: not connected (${this.current})`));
    return new Promise<void>((resolve, reject) => {
      const wake = () => {
        clearTimeout(timer);
        if (this.ready) resolve();
        else reject(new ConnectionError(`${action}: the client was closed`));
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== wake);
        reject(new TimeoutError(action, timeoutMs));
      }, timeoutMs);
      this.waiters.push(wake);
    });
  }

  /** Asks getToken() again (once for any number of refusals arriving together). */
  private refreshToken(): Promise<string> {
    this.refreshing ??= Promise.resolve()
      .then(() => this.options.getToken())
      .then((token) => {
        this.token = token;
        this.emit('token', { reason: 'refused' });
        return token;
      })
      .finally(() => {
        this.refreshing = undefined;
      });
    return this.refreshing;
  }

  private received(text: string): void {
    this.emit('frame', { direction: 'in', text });
    let envelope: unknown;
    try {
      envelope = JSON.parse(text);
    } catch {
      return;
    }
    if (!envelope || typeof envelope !== 'object') return;
    const action = (envelope as { action?: unknown }).action;
    if (action === 'event') {
      for (const handler of this.registry.handlersFor(envelope as EventEnvelope)) handler(envelope as EventEnvelope);
    } else if (action === 'reply') {
      const reply = envelope as ReplyEnvelope;
      if (!this.requests.settle(reply) && reply.status === 'error') void this.notice(reply.data ?? {});
    }
  }

  /** An unasked error: subscriptions ended server-side. A token problem is retried with a fresh token. */
  private async notice(data: Record<string, unknown>): Promise<void> {
    const errors = strings(data['errors']);
    const accountId = typeof data['account_id'] === 'string' ? data['account_id'] : undefined;
    const unsubscribed = strings(data['unsubscribed']);
    this.emit('notice', accountId === undefined ? { errors, unsubscribed } : { errors, accountId, unsubscribed });
    if (!accountId) return;
    for (const b of unsubscribed) this.registry.markReleased(accountId, b);
    if (!(errors[0] ?? '').startsWith('failed to authenticate token')) {
      for (const b of unsubscribed) {
        if (!this.registry.wants(accountId, b)) continue;
        this.registry.drop(accountId, b);
        this.emit('refused', { accountId, binding: b, error: new ReplyError('subscribe', errors, data, '') });
      }
      return;
    }
    try {
      await this.refreshToken();
    } catch (err) {
      this.emit('error', new Error(`getToken() failed: ${err instanceof Error ? err.message : String(err)}`));
      return;
    }
    for (const b of unsubscribed) if (this.registry.wants(accountId, b)) void this.subscribeOne(accountId, b);
  }

  private startKeepalive(): void {
    clearInterval(this.keepalive);
    const every = this.options.keepaliveMs ?? 25_000;
    if (every <= 0) return;
    this.keepalive = setInterval(() => {
      this.ping(Math.min(every, this.requestTimeoutMs)).catch((err: unknown) => {
        if (err instanceof TimeoutError && this.ready) this.connection.drop(`no pong within ${Math.min(every, this.requestTimeoutMs)} ms`);
      });
    }, every);
  }

  /** The socket is gone: requests fail, what the server held is remembered for resume. */
  private lost(reason: string): void {
    this.ready = false;
    clearInterval(this.keepalive);
    const held = this.registry.releaseAll();
    if (held.length > 0) this.heldAtDrop = held;
    this.requests.failAll(reason);
  }
}

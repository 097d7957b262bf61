// Owns the node's sessions and subscriptions: joining and leaving rooms (the only membership table),
// holding AMQP bindings for as long as a room lives, and routing each delivery to the rooms it reaches.
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { BindingCatalogue } from '../bindings/catalogue';
import type { SubscriptionPlan } from '../bindings/family';
import { ErrorText } from '../protocol/error-texts';
import { FanoutBatch } from './fanout';
import type { EventBus } from './event-bus';
import { Session, SessionObserver, SessionTransport } from './session';
import { SubscriptionIndex } from './subscription-index';
import { roomName } from './room-name';

/** Never reaches the client (its connection is gone); said in logs and to internal callers. */
const SESSION_CLOSED = 'connection closed: nothing subscribed';

export interface HubOptions {
  catalogue: BindingCatalogue;
  bus: EventBus;
  logger: Logger;
  /** How long a subscribe waits for its AMQP bindings before failing. */
  bindTimeoutMs: number;
  maxBindingsPerConnection: number;
  /** Where refusals by the bindings limit are counted (auth/limits-counters). */
  limits?: { bindingsRefused: number };
  /**
   * Asked when a connection closes whether its subscriptions stay for a while (missed-event recovery);
   * `release` drops them later. Without it they are dropped at once.
   */
  parking?: { park(session: Session, release: () => void): boolean };
  /** Told of every session's open and close (the connection log, connection counters). */
  observers?: readonly SessionObserver[];
}

/** Counters read by stats and metrics. */
export interface HubCounters {
  deliveries: number;
  undecodable: number;
  unrouted: number;
  matched: number;
  /** Exceptions a fan-out target threw while writing an event. */
  fanoutErrors: number;
  /** Connections a transport cut because the peer stopped answering pings or heartbeats. */
  deadPeers: number;
}

/**
 * The transport-neutral centre of the bridge.
 * @example
 * const session = hub.openSession(transport);
 * await hub.subscribe(session, accountId, [plan]);
 */
export class Hub {
  readonly index = new SubscriptionIndex();
  readonly sessions = new Set<Session>();
  readonly counters: HubCounters = { deliveries: 0, undecodable: 0, unrouted: 0, matched: 0, fanoutErrors: 0, deadPeers: 0 };
  private readonly observers: readonly SessionObserver[];

  constructor(private readonly opts: HubOptions) {
    this.observers = opts.observers ?? [];
  }

  openSession(transport: SessionTransport): Session {
    const session = new Session(transport);
    this.sessions.add(session);
    for (const o of this.observers) this.notify(() => o.opened(session));
    return session;
  }

  /** An observer that throws is logged; the connection goes on. */
  private notify(call: () => void): void {
    try {
      call();
    } catch (err) {
      this.opts.logger.error({ err }, 'session observer failed');
    }
  }

  /** Drops every subscription of a closed connection (unless parked for recovery); `reason` is for observers. */
  closeSession(session: Session, reason = 'closed'): void {
    if (session.closed) return;
    session.closed = true;
    this.sessions.delete(session);
    for (const o of this.observers) this.notify(() => o.closed(session, reason));
    if (this.opts.parking?.park(session, () => this.unsubscribeAll(session))) return;
    this.unsubscribeAll(session);
  }

  /**
   * Subscribes a session to planned bindings of one account; resolves once every AMQP binding is
   * live on the broker, or returns an error text after rolling the new ones back. A session already
   * closed (its subscribe was queued behind slower commands) gets nothing: no one would release it.
   */
  async subscribe(
    session: Session,
    accountId: string,
    plans: SubscriptionPlan[],
    meta: { name?: string; metadata?: Record<string, unknown> } = {},
  ): Promise<string | undefined> {
    if (session.closed) return SESSION_CLOSED;
    const fresh = plans.filter((p) => !session.held.has(roomName(accountId, p.requested)));
    if (session.held.size + fresh.length > this.opts.maxBindingsPerConnection) {
      if (this.opts.limits) this.opts.limits.bindingsRefused++;
      return ErrorText.tooManyBindings(this.opts.maxBindingsPerConnection);
    }
    const joined = fresh.map((plan) => this.join(session, accountId, plan, meta));
    const ready = Promise.all(joined.map((r) => r.ready));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.opts.bindTimeoutMs);
    });
    const outcome = await Promise.race([ready.then(() => 'ok' as const, () => 'failed' as const), timeout]);
    clearTimeout(timer);
    if (outcome === 'ok') {
      this.subscribed(session, accountId, fresh);
      return undefined;
    }
    this.opts.logger.warn({ session: session.id, outcome }, 'subscribe rolled back: AMQP bindings not in place');
    for (const room of joined) this.leave(session, room.name);
    return ErrorText.busUnavailable;
  }

  /** Logs a successful subscribe: the first one of an account on a connection at info (who is connected), the rest at debug. */
  private subscribed(session: Session, accountId: string, plans: SubscriptionPlan[]): void {
    const fields = { session: session.id, generation: session.transport.generation, ip: session.transport.remoteAddress, account: accountId, bindings: plans.map((p) => p.requested) };
    if (session.accounts.has(accountId)) return this.opts.logger.debug(fields, 'subscribed');
    session.accounts.add(accountId);
    this.opts.logger.info(fields, 'connection subscribed to an account');
  }

  private join(session: Session, accountId: string, plan: SubscriptionPlan, meta: { name?: string; metadata?: Record<string, unknown> }) {
    const { room, created } = this.index.join(session, accountId, plan);
    if (created) {
      room.ready = Promise.all(room.amqp.map((b) => this.opts.bus.acquire(b))).then(() => undefined);
      room.ready.catch(() => undefined);
    }
    session.held.set(room.name, { room: room.name, accountId, binding: plan.requested, since: Date.now(), ...meta });
    return room;
  }

  private leave(session: Session, name: string): void {
    if (!session.held.delete(name)) return;
    const dropped = this.index.leave(session, name);
    if (dropped) for (const b of dropped.amqp) this.opts.bus.release(b);
  }

  /** Removes the listed bindings of one account; returns nothing, as removing an unheld binding is fine. */
  unsubscribe(session: Session, accountId: string, bindings: string[]): void {
    for (const binding of bindings) this.leave(session, roomName(accountId, binding));
  }

  /** Removes every subscription of a session; returns the client bindings it held. */
  unsubscribeAll(session: Session): string[] {
    const removed = session.bindings();
    for (const name of [...session.held.keys()]) this.leave(session, name);
    return removed;
  }

  /** Routes one AMQP delivery to the rooms it reaches on this node: one batch per routed event that reached any. */
  route(exchange: string, routingKey: string, content: Buffer): FanoutBatch[] {
    const arrivedAt = performance.now();
    this.counters.deliveries++;
    let payload: unknown;
    const text = content.toString('utf8');
    try {
      payload = JSON.parse(text);
    } catch {
      payload = undefined;
    }
    if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
      this.counters.undecodable++;
      this.opts.logger.debug({ exchange, routingKey }, 'dropped a delivery that is not a JSON object');
      return [];
    }
    const routedEvents = this.opts.catalogue.route(exchange, routingKey, payload as Record<string, unknown>);
    if (routedEvents.length === 0) this.counters.unrouted++;
    const batches: FanoutBatch[] = [];
    for (const routed of routedEvents) {
      const rooms = this.index.match(routed.matchKey);
      if (rooms.size === 0) continue;
      this.counters.matched++;
      batches.push(new FanoutBatch(routed, payload as Record<string, unknown>, rooms, text, arrivedAt));
    }
    return batches;
  }

  /**
   * A server-side push to one room of this node: the named event `event` with `data`, and the room's
   * `message` envelope, as a routed event would be (undefined when nobody here is in the room).
   */
  broadcastBatch(roomName: string, event: string, data: Record<string, unknown>): FanoutBatch | undefined {
    const room = this.index.get(roomName);
    if (!room) return undefined;
    const binding = room.binding;
    const routed = { matchKey: roomName, routingKey: BROADCAST_ROUTING_KEY, name: event, socketEventName: event, socketPayloadNormalized: false, present: (p: Record<string, unknown>) => p };
    return new FanoutBatch(routed, data, new Map([[room, binding]]), undefined, performance.now());
  }
}

/** The `routing_key` broadcast envelopes carry. */
export const BROADCAST_ROUTING_KEY = 'broadcast';

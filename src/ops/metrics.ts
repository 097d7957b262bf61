// Owns the Prometheus metrics of one app instance: its own prom-client Registry (never the global one),
// gauges read from the hub and the bus at scrape time, and cheap counters the seams bump. No business rules.
import { performance } from 'node:perf_hooks';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { FanoutBatch, FanoutObserver } from '../hub/fanout';
import type { Hub } from '../hub/hub';
import type { Reply } from '../protocol/replies';
import { replyError } from '../protocol/replies';
import { ErrorText } from '../protocol/error-texts';
import { counterFrom } from './counter-metrics';
import { ConnectionCounters, registerConnectionCounters } from './connection-metrics';

/** What the metrics read at scrape time. */
export interface MetricsSources {
  hub: Hub;
  bus: { readonly boundCount: number; readonly reconnects: number; readonly queueLosses: number; readonly ready: boolean };
  /** Every label the transports' connections report (each is shown, at zero too). */
  labels: () => readonly string[];
  /** Fan-out writer names, pre-set as `eh_events_delivered_total{transport}` labels (read at scrape time). */
  transports?: () => readonly string[];
  /** Connections opened and closed, counted by a hub session observer. */
  connections?: ConnectionCounters;
}

/** Error kinds counted by `eh_errors_total{kind}`; a closed set, so the label stays low-cardinality. */
const ERROR_KINDS = ['client_input', 'auth', 'broker', 'internal', 'slow_client', 'dead_peer'] as const;
type ErrorKind = (typeof ERROR_KINDS)[number];

function errorKindOf(text: string): ErrorKind {
  if (text.startsWith('internal error')) return 'internal';
  if (text === ErrorText.busUnavailable) return 'broker';
  if (text.startsWith('failed to authenticate') || text.startsWith('authentication') || text.startsWith('unauthorized')) return 'auth';
  return 'client_input';
}

/**
 * The metrics of one bridge: `registry.metrics()` is what `GET /metrics` serves.
 * @example
 * const metrics = new OpsMetrics({ hub, bus, labels }); new EventFanout({ …, observers: [metrics.fanoutObserver] });
 * metrics.countReply(reply); await metrics.registry.metrics();
 */
export class OpsMetrics {
  readonly registry = new Registry();
  private readonly delivered: Counter<'transport'>;
  private readonly latency: Histogram<never>;
  private readonly replies: Counter<'status'>;
  private readonly errors: Counter<'kind'>;
  private readonly dropped: Counter<'reason'>;
  private readonly disconnects: Counter<'reason' | 'generation'>;

  /** Runs after the transports: counts writes and observes latency once per event. */
  readonly fanoutObserver: FanoutObserver;

  constructor(sources: MetricsSources) {
    const registry = this.registry;
    collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 20 });
    const { hub, bus, labels } = sources;
    new Gauge({
      name: 'eh_connections',
      help: 'Open client connections by client generation',
      labelNames: ['generation'],
      registers: [registry],
      collect() {
        this.reset();
        for (const g of labels()) this.set({ generation: g }, 0);
        for (const session of hub.sessions) if (!session.closed) this.inc({ generation: session.transport.label });
      },
    });
    new Gauge({
      name: 'eh_subscriptions',
      help: 'Subscriptions (client bindings) held by open connections',
      registers: [registry],
      collect() {
        let n = 0;
        for (const session of hub.sessions) if (!session.closed) n += session.held.size;
        this.set(n);
      },
    });
    new Gauge({ name: 'eh_rooms', help: 'Distinct (account, binding) rooms on this node', registers: [registry], collect() { this.set(hub.index.roomCount); } });
    new Gauge({ name: 'eh_amqp_bindings', help: 'AMQP bindings in place on the broker for this node', registers: [registry], collect() { this.set(bus.boundCount); } });
    new Gauge({ name: 'eh_amqp_connected', help: '1 when RabbitMQ is connected and every wanted binding is live', registers: [registry], collect() { this.set(bus.ready ? 1 : 0); } });
    counterFrom(registry, 'eh_amqp_reconnects_total', 'Times the RabbitMQ connection was lost (each followed by reconnection attempts)', () => bus.reconnects);
    counterFrom(registry, 'eh_amqp_queue_losses_total', "Reconnections that found this node's queue or its bindings gone (broker restart, queue expiry or deletion): events published meanwhile were lost", () => bus.queueLosses);
    counterFrom(registry, 'eh_events_received_total', 'AMQP deliveries received from RabbitMQ', () => hub.counters.deliveries);
    counterFrom(registry, 'eh_events_matched_total', 'Routed events that reached at least one room on this node', () => hub.counters.matched);
    this.dropped = new Counter({ name: 'eh_events_dropped_total', help: 'Events not delivered, by reason', labelNames: ['reason'], registers: [registry] });
    let undecodable = 0;
    let unrouted = 0;
    let deadPeers = 0;
    const dropped = this.dropped;
    // Hub-side drops are read at scrape time, so the hot path only bumps plain numbers.
    const readHubDrops = () => {
      if (hub.counters.undecodable > undecodable) dropped.inc({ reason: 'undecodable' }, hub.counters.undecodable - undecodable);
      if (hub.counters.unrouted > unrouted) dropped.inc({ reason: 'unrouted' }, hub.counters.unrouted - unrouted);
      if (hub.counters.deadPeers > deadPeers) this.errors.inc({ kind: 'dead_peer' }, hub.counters.deadPeers - deadPeers);
      deadPeers = hub.counters.deadPeers;
      undecodable = hub.counters.undecodable;
      unrouted = hub.counters.unrouted;
    };
    this.readHubDrops = readHubDrops;
    const transports = sources.transports ?? (() => []);
    this.delivered = new Counter({
      name: 'eh_events_delivered_total',
      help: 'Event envelopes written to client connections, by transport',
      labelNames: ['transport'],
      registers: [registry],
      // Transports are known once they exist (after the metrics): their labels show from the first scrape.
      collect() {
        for (const transport of transports()) this.inc({ transport }, 0);
      },
    });
    this.latency = new Histogram({
      name: 'eh_delivery_latency_seconds',
      help: 'AMQP arrival to the last socket write of that event on this node',
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    });
    this.replies = new Counter({ name: 'eh_replies_total', help: 'Command replies sent, by status', labelNames: ['status'], registers: [registry] });
    this.errors = new Counter({ name: 'eh_errors_total', help: 'Errors by kind (error replies, fan-out failures, dropped clients)', labelNames: ['kind'], registers: [registry] });
    this.disconnects = new Counter({
      name: 'eh_forced_disconnects_total',
      help: 'Connections the server closed, by reason (slow_client, shutdown) and generation',
      labelNames: ['reason', 'generation'],
      registers: [registry],
      collect() {
        for (const reason of ['slow_client', 'shutdown']) for (const generation of labels()) this.inc({ reason, generation }, 0);
      },
    });
    counterFrom(registry, 'eh_fanout_errors_total', 'Exceptions thrown by a transport while writing an event', () => hub.counters.fanoutErrors);
    // Every known label value shows from the first scrape (0), so rate() and absent() work before the first event.
    for (const reason of ['undecodable', 'unrouted']) this.dropped.inc({ reason }, 0);
    for (const status of ['success', 'error']) this.replies.inc({ status }, 0);
    for (const kind of ERROR_KINDS) this.errors.inc({ kind }, 0);
    if (sources.connections) registerConnectionCounters(registry, sources.connections, labels);
    const delivered = this.delivered;
    const deliveredBy = new Map<string, Counter.Internal>();
    const latency = this.latency;
    this.fanoutObserver = {
      observe(batch: FanoutBatch): void {
        for (const hit of batch.hits) {
          for (const [target, members] of hit.room.members) {
            // One labelled child per transport, looked up once: no label hashing per event.
            let child = deliveredBy.get(target.name);
            if (!child) deliveredBy.set(target.name, (child = delivered.labels(target.name)));
            child.inc(members.size);
          }
        }
        if (batch.arrivedAt !== undefined) latency.observe((performance.now() - batch.arrivedAt) / 1000);
      },
    };
  }

  private readonly readHubDrops: () => void;

  /** Counts one reply (and its error kind). */
  countReply(reply: Reply): void {
    this.replies.inc({ status: reply.status });
    const text = replyError(reply);
    if (text !== undefined) this.errors.inc({ kind: errorKindOf(text) });
  }

  /** Counts a connection the server closed on purpose. */
  countDisconnect(reason: 'slow_client' | 'shutdown', generation: string, n = 1): void {
    this.disconnects.inc({ reason, generation }, n);
    if (reason !== 'shutdown') this.errors.inc({ kind: reason }, n);
  }

  /** The Prometheus text exposition. */
  async render(): Promise<string> {
    this.readHubDrops();
    return this.registry.metrics();
  }

  /** Stops the default collectors' timers. */
  close(): void {
    this.registry.clear();
  }
}

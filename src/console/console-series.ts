// Owns the operator console's time series: once a second, and only while a console watches, it reads
// counters the bridge already keeps (hub, bus, the metrics registry, the limits) and turns them into
// per-second rates. Never on the event path: it adds no work per event, only a read per second.
import type { Registry } from 'prom-client';
import type { LimitsCounters } from '../guard/limits-counters';
import type { Hub } from '../hub/hub';

/** One point of every chart, for one interval. */
export interface ConsoleSample {
  /** End of the interval, ms since the epoch. */
  at: number;
  /** Interval length in seconds (about 1). */
  seconds: number;
  /** AMQP deliveries received per second. */
  eventsInPerSec: number;
  /** Envelopes written to connections per second, by transport (client generation). */
  deliveredPerSec: Record<string, number>;
  /** Open connections by client generation. */
  connections: Record<string, number>;
  /** AMQP bindings in place on the broker for this node. */
  amqpBindings: number;
  /** Delivery latency (AMQP arrival to the last socket write) over the interval, in ms; null without events. */
  latencyP50Ms: number | null;
  latencyP99Ms: number | null;
  /** Connections dropped as too slow in the interval. */
  slowDropped: number;
  /** Refusals in the interval, by kind (limits and policies). */
  refusals: Record<string, number>;
}

/** What the series reads. */
export interface ConsoleSources {
  hub: Hub;
  bus: { readonly boundCount: number };
  registry: Registry;
  limits?: LimitsCounters;
}

/** Refusal kinds shown by the console, from the limits counters. */
const REFUSAL_KINDS: ReadonlyArray<[string, keyof LimitsCounters]> = [
  ['per_ip_cap', 'connectionsRefused'],
  ['origin', 'originsRefused'],
  ['blocked_ip', 'blockedRefusals'],
  ['bindings_cap', 'bindingsRefused'],
  ['rate_limited', 'rateLimited'],
  ['too_large', 'messagesTooLarge'],
  ['auth_failed', 'authFailures'],
  ['auth_unavailable', 'authUnavailable'],
];

interface Totals {
  eventsIn: number;
  delivered: Record<string, number>;
  buckets: Array<{ le: number; count: number }>;
  slowDropped: number;
  refusals: Record<string, number>;
}

/**
 * A latency quantile in ms from the cumulative histogram bucket counts of one interval (each bucket
 * `count` is the number of observations ≤ `le` seconds), interpolated inside the bucket it falls in.
 * @example quantileMs([{ le: 0.001, count: 9 }, { le: 0.01, count: 10 }, { le: Infinity, count: 10 }], 0.5) // 0.55…
 */
export function quantileMs(buckets: ReadonlyArray<{ le: number; count: number }>, q: number): number | null {
  const total = buckets.at(-1)?.count ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  let lowerLe = 0;
  let lowerCount = 0;
  for (const { le, count } of buckets) {
    if (count >= rank) {
      if (!Number.isFinite(le)) return lowerLe * 1000;
      const inBucket = count - lowerCount;
      const share = inBucket > 0 ? (rank - lowerCount) / inBucket : 1;
      return (lowerLe + (le - lowerLe) * share) * 1000;
    }
    lowerLe = le;
    lowerCount = count;
  }
  return lowerLe * 1000;
}

function per(n: number, seconds: number): number {
  return Math.round((n / seconds) * 100) / 100;
}

/**
 * The rolling series of one node.
 * @example const series = new ConsoleSeries(sources); series.start((s) => send(s)); … series.stop();
 */
export class ConsoleSeries {
  /** Newest samples, oldest first (two minutes at one per second). */
  readonly history: ConsoleSample[] = [];
  private last?: Totals & { at: number };
  private timer?: NodeJS.Timeout;
  private reading = false;

  constructor(private readonly sources: ConsoleSources, private readonly intervalMs = 1000, private readonly keep = 120) {}

  get running(): boolean {
    return this.timer !== undefined;
  }

  /** Starts sampling; `onSample` gets every new point. */
  start(onSample: (sample: ConsoleSample) => void): void {
    if (this.timer) return;
    void this.totals().then((t) => (this.last = { ...t, at: Date.now() }));
    this.timer = setInterval(() => {
      if (this.reading) return;
      this.reading = true;
      this.sample()
        .then((s) => s && onSample(s))
        .catch(() => undefined)
        .finally(() => (this.reading = false));
    }, this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.last = undefined;
  }

  private async totals(): Promise<Totals> {
    const { hub, registry, limits } = this.sources;
    const delivered: Record<string, number> = {};
    for (const v of (await registry.getSingleMetric('eh_events_delivered_total')?.get())?.values ?? []) {
      const transport = String(v.labels['transport'] ?? 'unknown');
      delivered[transport] = (delivered[transport] ?? 0) + v.value;
    }
    const buckets: Totals['buckets'] = [];
    for (const v of (await registry.getSingleMetric('eh_delivery_latency_seconds')?.get())?.values ?? []) {
      const le = v.labels['le'];
      if (le === undefined) continue;
      buckets.push({ le: le === '+Inf' ? Infinity : Number(le), count: v.value });
    }
    buckets.sort((a, b) => a.le - b.le);
    let slowDropped = 0;
    for (const v of (await registry.getSingleMetric('eh_forced_disconnects_total')?.get())?.values ?? []) {
      if (v.labels['reason'] === 'slow_client') slowDropped += v.value;
    }
    const refusals: Record<string, number> = {};
    for (const [kind, key] of REFUSAL_KINDS) refusals[kind] = limits?.[key] ?? 0;
    return { eventsIn: hub.counters.deliveries, delivered, buckets, slowDropped, refusals };
  }

  private async sample(): Promise<ConsoleSample | undefined> {
    const now = Date.now();
    const totals = await this.totals();
    const before = this.last;
    this.last = { ...totals, at: now };
    if (!before) return undefined;
    const seconds = Math.max(0.001, (now - before.at) / 1000);
    const deliveredPerSec: Record<string, number> = {};
    for (const [t, n] of Object.entries(totals.delivered)) deliveredPerSec[t] = per(n - (before.delivered[t] ?? 0), seconds);
    const window = totals.buckets.map((b, i) => ({ le: b.le, count: b.count - (before.buckets[i]?.count ?? 0) }));
    const refusals: Record<string, number> = {};
    for (const [kind, n] of Object.entries(totals.refusals)) refusals[kind] = n - (before.refusals[kind] ?? 0);
    const connections: Record<string, number> = { websocket: 0, socketio: 0, 'socketio-eio3': 0, 'socketio-legacy': 0 };
    for (const session of this.sources.hub.sessions) if (!session.closed) connections[session.transport.label] = (connections[session.transport.label] ?? 0) + 1;
    const sample: ConsoleSample = {
      at: now,
      seconds: Math.round(seconds * 1000) / 1000,
      eventsInPerSec: per(totals.eventsIn - before.eventsIn, seconds),
      deliveredPerSec,
      connections,
      amqpBindings: this.sources.bus.boundCount,
      latencyP50Ms: quantileMs(window, 0.5),
      latencyP99Ms: quantileMs(window, 0.99),
      slowDropped: totals.slowDropped - before.slowDropped,
      refusals,
    };
    this.history.push(sample);
    if (this.history.length > this.keep) this.history.shift();
    return sample;
  }
}

// Owns one measured delivery run: connect N clients of a system across fleet processes, publish
// (windowed or at a fixed rate), measure after a warm-up, and sum deliveries, latency and server CPU.
// Knows nothing about which scenario asked; fan-out, routing and latency all use it.
import type { ChildProcess } from 'node:child_process';
import { AMQP_URL, BENCH_VHOST, brokerPid } from '../lib/broker';
import { LatencyHistogram } from '../lib/histogram';
import type { FleetCommand, FleetReport, PublisherCommand, PublisherReport, PublishTarget } from '../lib/messages';
import { treeCpuMillis, forkTs, machineBusyMillis, nextMessage, sleep, stopChild } from '../lib/processes';
import { BENCH_TOKEN, RunningServer, SystemInfo } from '../lib/systems';
import type { SubscriptionSpec } from '../lib/wire-protocols';

export type Pace = { mode: 'window'; window: number } | { mode: 'rate'; perSecond: number };

export interface DeliveryRunOptions {
  system: SystemInfo;
  server: RunningServer;
  specs: SubscriptionSpec[];
  targets: PublishTarget[];
  pace: Pace;
  fleets: number;
  warmupMs: number;
  measureMs: number;
  /** Clients that receive each event (fan-out: all; routing: 1), to turn deliveries into events. */
  receiversPerEvent: number;
  /** Waits for the servers to go idle; called once every client is connected, before publishing starts. */
  settle?: () => Promise<void>;
  /** Extra facts read while every client is still connected (e.g. broker bindings). */
  whileConnected?: () => Record<string, unknown>;
}

export interface DeliveryResult {
  system: string;
  clients: number;
  connectFailures: number;
  firstError?: string;
  deliveriesPerSec: number;
  eventsPerSec: number;
  latencyMs: ReturnType<LatencyHistogram['summary']>;
  /** Server process CPU while measuring, % of one core (Web-STOMP: the whole broker). */
  serverCpuPct?: number;
  /** Deliveries per second of server CPU: throughput with the machine's noise divided out. */
  deliveriesPerCpuSec?: number;
  published: number;
  stalledEvents: number;
  [fact: string]: unknown;
}

/**
 * Starts CPU accounting of the processes around the server: the publisher, the client fleets (summed),
 * the broker (unless it is the server) and everything else on the machine (other tenants included).
 * The returned function gives each one's % of one core.
 */
function cpuOfOthers(publisher: ChildProcess, fleets: ChildProcess[], serverPid: number | undefined): (wallMs: number) => Record<string, number> {
  const broker = brokerPid();
  const read = (pid: number | undefined) => {
    try {
      return pid ? treeCpuMillis(pid) : 0;
    } catch {
      return 0; // the process is gone
    }
  };
  // Web-STOMP's server is the broker: its CPU is the server column, not a broker column.
  const groups: Record<string, Array<number | undefined>> = { serverPid: [serverPid], publisherCpuPct: [publisher.pid], fleetCpuPct: fleets.map((f) => f.pid) };
  if (broker !== serverPid) groups['brokerCpuPct'] = [broker];
  const sum = (pids: Array<number | undefined>) => pids.reduce((n: number, pid) => n + read(pid), 0);
  const start = Object.fromEntries(Object.entries(groups).map(([k, pids]) => [k, sum(pids)]));
  const machine0 = machineBusyMillis();
  return (wallMs) => {
    const used = Object.fromEntries(Object.entries(groups).map(([k, pids]) => [k, sum(pids) - start[k]!]));
    const ours = Object.values(used).reduce((a, b) => a + b, 0);
    const { serverPid: _server, ...pct } = Object.fromEntries(Object.entries(used).map(([k, ms]) => [k, Math.round((ms * 100) / wallMs)]));
    return { ...pct, restOfMachineCpuPct: Math.max(0, Math.round(((machineBusyMillis() - machine0 - ours) * 100) / wallMs)) };
  };
}

const send = (child: ChildProcess, cmd: FleetCommand | PublisherCommand) => child.send(cmd);

/** Runs one delivery measurement; every child it forks is stopped before it returns. */
export async function deliveryRun(o: DeliveryRunOptions): Promise<DeliveryResult> {
  const isHop = o.system.name === 'broker-hop';
  const fleetCount = isHop ? 1 : Math.max(1, Math.min(o.fleets, o.specs.length));
  const fleets: ChildProcess[] = [];
  const publisher = forkTs('lib/publisher.ts', [], { logName: 'publisher' });
  try {
    const perFleet = Math.ceil(o.specs.length / fleetCount);
    const ready: Array<Promise<Extract<FleetReport, { type: 'ready' }>>> = [];
    for (let f = 0; f < fleetCount; f++) {
      const fleet = forkTs(isHop ? 'baselines/broker-hop.ts' : 'lib/client-fleet.ts', [], { logName: `fleet-${f}` });
      fleets.push(fleet);
      const specs = o.specs.slice(f * perFleet, (f + 1) * perFleet);
      ready.push(nextMessage(fleet, 'ready', 180_000));
      send(fleet, { type: 'connect', protocol: o.system.protocol, base: o.server.base, vhost: BENCH_VHOST, token: BENCH_TOKEN, specs, concurrency: 100, timeoutMs: 10_000, deadlineMs: 150_000 });
    }
    const readies = await Promise.all(ready);
    const connected = isHop ? 1 : readies.reduce((n, r) => n + r.connected, 0);
    const connectFailures = readies.reduce((n, r) => n + r.failed, 0);
    const firstError = readies.find((r) => r.firstError)?.firstError;
    // Connecting a thousand clients leaves work behind (subscribes, GC): publishing starts after it.
    await o.settle?.();

    // Fan-out: an event is complete when every fleet has seen it at all of its clients.
    // Routing: each event has one receiver, so the first fleet to see it completes it.
    const completeAt = o.receiversPerEvent === 1 ? 1 : 'all';
    const fleetsNeeded = completeAt === 1 ? 1 : fleetCount;
    const fleetsDone = new Map<number, number>();
    for (const fleet of fleets) {
      fleet.on('message', (msg: FleetReport) => {
        if (msg.type !== 'done') return;
        const complete: number[] = [];
        for (const seq of msg.seqs) {
          const n = (fleetsDone.get(seq) ?? 0) + 1;
          if (n >= fleetsNeeded) {
            fleetsDone.delete(seq);
            complete.push(seq);
          } else fleetsDone.set(seq, n);
        }
        if (complete.length > 0 && publisher.connected) send(publisher, { type: 'done', seqs: complete });
      });
    }
    const durationMs = o.warmupMs + o.measureMs + 500;
    const start: PublisherCommand =
      o.pace.mode === 'window'
        ? { type: 'start', amqpUrl: AMQP_URL, targets: o.targets, mode: 'window', window: o.pace.window, durationMs, maxEvents: 50_000_000, stallMs: 3000 }
        : { type: 'start', amqpUrl: AMQP_URL, targets: o.targets, mode: 'rate', perSecond: o.pace.perSecond, durationMs, maxEvents: 50_000_000 };
    const finished = nextMessage<Extract<PublisherReport, { type: 'finished' }>>(publisher, 'finished', durationMs + 30_000);
    const connectedMsg = nextMessage(publisher, 'connected', 20_000);
    const track = o.pace.mode === 'window';
    for (const fleet of fleets) send(fleet, { type: 'measure', trackSeq: track, completeAt }); // warm-up: completion only
    send(publisher, start);
    await connectedMsg;
    await sleep(o.warmupMs);
    const pid = o.server.pid;
    const cpu0 = pid ? treeCpuMillis(pid) : 0;
    const others = cpuOfOthers(publisher, fleets, pid);
    const t0 = Date.now();
    for (const fleet of fleets) send(fleet, { type: 'measure', trackSeq: track, completeAt });
    await sleep(o.measureMs);
    const stats = fleets.map((fleet) => nextMessage<Extract<FleetReport, { type: 'stats' }>>(fleet, 'stats', 10_000));
    for (const fleet of fleets) send(fleet, { type: 'report' });
    const cpuMs = pid ? treeCpuMillis(pid) - cpu0 : undefined;
    const wallMs = Date.now() - t0;
    const otherCpuPct = others(wallMs);
    const reports = await Promise.all(stats);
    send(publisher, { type: 'stop' });
    const pub = await finished;
    const facts = o.whileConnected?.() ?? {};

    const histogram = new LatencyHistogram();
    let received = 0;
    for (const r of reports) {
      histogram.merge(r.histogram, r.maxUs);
      received += r.received;
    }
    const deliveriesPerSec = Math.round((received * 1000) / wallMs);
    const result: DeliveryResult = {
      system: o.system.name,
      clients: connected,
      connectFailures,
      deliveriesPerSec,
      eventsPerSec: Math.round(deliveriesPerSec / o.receiversPerEvent),
      latencyMs: histogram.summary(),
      published: pub.published,
      stalledEvents: pub.stalled,
      ...otherCpuPct,
      ...facts,
    };
    if (firstError) result.firstError = firstError;
    if (cpuMs !== undefined) {
      result.serverCpuPct = Math.round((cpuMs * 100) / wallMs);
      result.deliveriesPerCpuSec = cpuMs > 0 ? Math.round((received * 1000) / cpuMs) : 0;
    }
    return result;
  } finally {
    await Promise.all(
      fleets.map(async (fleet) => {
        const closed = nextMessage(fleet, 'closed', 20_000).catch(() => undefined);
        if (fleet.connected) send(fleet, { type: 'close' });
        await closed;
        await stopChild(fleet);
      }),
    );
    await stopChild(publisher);
  }
}

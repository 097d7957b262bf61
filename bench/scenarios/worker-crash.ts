// Owns the worker-crash scenario (`--only=crash`): Event Horizon with 2 workers, clients on one
// binding at a steady rate; one worker is SIGKILLed mid-stream. Measures the survivors' deliveries
// before and after (they should not notice), how soon the primary has a new worker, and how long the
// cut clients take to connect and subscribe again. Knows the fleet and publisher messages only.
import type { ChildProcess } from 'node:child_process';
import { LatencyHistogram } from '../lib/histogram';
import type { FleetReport, PublisherReport } from '../lib/messages';
import { forkTs, nextMessage, processTree, sleep, stopChild } from '../lib/processes';
import { AMQP_URL, BENCH_VHOST } from '../lib/broker';
import { BENCH_TOKEN, SYSTEMS } from '../lib/systems';
import type { BenchContext, ResultRow } from './context';
import { oneBinding } from './layouts';

const CLIENTS = 1000;
const RATE = 100;
const WINDOW_MS = 3000;

type Stats = Extract<FleetReport, { type: 'stats' }>;

async function window(fleets: ChildProcess[]): Promise<{ perSec: number; p99: number | undefined }> {
  for (const f of fleets) f.send({ type: 'measure', trackSeq: false, completeAt: 'all' });
  const t0 = Date.now();
  await sleep(WINDOW_MS);
  const stats = fleets.map((f) => nextMessage<Stats>(f, 'stats', 10_000));
  for (const f of fleets) f.send({ type: 'report' });
  const reports = await Promise.all(stats);
  const h = new LatencyHistogram();
  let received = 0;
  for (const r of reports) {
    h.merge(r.histogram, r.maxUs);
    received += r.received;
  }
  return { perSec: Math.round((received * 1000) / (Date.now() - t0)), p99: h.summary().p99 };
}

async function openCount(fleets: ChildProcess[]): Promise<number> {
  const answers = fleets.map((f) => nextMessage<Extract<FleetReport, { type: 'open' }>>(f, 'open', 10_000));
  for (const f of fleets) f.send({ type: 'count-open' });
  return (await Promise.all(answers)).reduce((n, a) => n + a.open, 0);
}

function connect(fleet: ChildProcess, base: string, count: number): Promise<Extract<FleetReport, { type: 'ready' }>> {
  const ready = nextMessage<Extract<FleetReport, { type: 'ready' }>>(fleet, 'ready', 180_000);
  fleet.send({ type: 'connect', protocol: 'ws-envelope', base, vhost: BENCH_VHOST, token: BENCH_TOKEN, specs: oneBinding(count).specs, concurrency: 100, timeoutMs: 15_000, deadlineMs: 150_000 });
  return ready;
}

/** One worker SIGKILLed mid-stream, on the shared 2-worker server. */
export async function crash(ctx: BenchContext): Promise<void> {
  const system = SYSTEMS['eh-ws-2w'];
  const server = ctx.serverFor(system);
  if (!server?.pid) throw new Error('crash needs the 2-worker server (--systems=eh-ws-2w)');
  ctx.log(`crash: ${system.label}, ${CLIENTS} clients at ${RATE} events/s`);
  const fleets = [forkTs('lib/client-fleet.ts', [], { logName: 'crash-fleet-0' })];
  const publisher = forkTs('lib/publisher.ts', [], { logName: 'crash-publisher' });
  try {
    const first = await connect(fleets[0]!, server.base, CLIENTS);
    const finished = nextMessage<Extract<PublisherReport, { type: 'finished' }>>(publisher, 'finished', 180_000);
    publisher.send({ type: 'start', amqpUrl: AMQP_URL, targets: oneBinding(CLIENTS).targets, mode: 'rate', perSecond: RATE, durationMs: 120_000, maxEvents: 50_000_000 });
    await nextMessage(publisher, 'connected', 20_000);
    await sleep(1000);
    const before = await window(fleets);
    const workers = processTree(server.pid).slice(1);
    const victim = workers[workers.length - 1]!;
    const killedAt = Date.now();
    process.kill(victim, 'SIGKILL');
    // The primary forks a new worker: a new child pid in the tree.
    let restartMs: number | undefined;
    while (Date.now() - killedAt < 30_000) {
      if (processTree(server.pid).slice(1).some((p) => !workers.includes(p))) {
        restartMs = Date.now() - killedAt;
        break;
      }
      await sleep(20);
    }
    const survivors = await openCount(fleets);
    const after = await window(fleets);
    const cut = first.connected - survivors;
    const again = forkTs('lib/client-fleet.ts', [], { logName: 'crash-fleet-1' });
    fleets.push(again);
    const reconnected = await connect(again, server.base, cut);
    const whole = await window(fleets);
    publisher.send({ type: 'stop' });
    await finished;
    const row: ResultRow = {
      scenario: 'crash', variant: `${CLIENTS} clients, ${RATE}/s`, system: system.name, label: system.label,
      clients: first.connected, cutClients: cut, survivorDeliveriesPerSecBefore: before.perSec, expectedSurvivorPerSec: survivors * RATE,
      survivorDeliveriesPerSecAfter: after.perSec, survivorRatio: Math.round((after.perSec / (survivors * RATE)) * 100) / 100,
      p99Before: before.p99, p99After: after.p99, workerRestartMs: restartMs, reconnected: reconnected.connected, reconnectMs: reconnected.elapsedMs,
      deliveriesPerSecAfterReconnect: whole.perSec,
    };
    ctx.rows.push(row);
    ctx.log(`  → ${JSON.stringify(row)}`);
  } finally {
    for (const f of fleets) {
      const closed = nextMessage(f, 'closed', 20_000).catch(() => undefined);
      if (f.connected) f.send({ type: 'close' });
      await closed;
      await stopChild(f);
    }
    await stopChild(publisher);
  }
}

// Owns the connection-cost scenarios: RSS per idle connection on a fresh server per client
// generation, and churn (connect + subscribe + unsubscribe + disconnect cycles per second).
// Knows nothing about event delivery.
import type { ChildProcess } from 'node:child_process';
import { BENCH_VHOST } from '../lib/broker';
import { LatencyHistogram } from '../lib/histogram';
import type { FleetReport } from '../lib/messages';
import { forkTs, nextMessage, treeRssKib, sleep, stopChild } from '../lib/processes';
import { BENCH_TOKEN, startServer } from '../lib/systems';
import { BenchContext, ResultRow, ratiosAgainstCeiling } from './context';
import { oneBinding } from './layouts';

const MEMORY_SYSTEMS = new Set(['native', 'ceiling', 'eh-ws-2w', 'eh-ws', 'eh-sio', 'eh-sio09', 'plain-sio']);

async function closeFleets(fleets: ChildProcess[]): Promise<void> {
  await Promise.all(
    fleets.map(async (fleet) => {
      const closed = nextMessage(fleet, 'closed', 30_000).catch(() => undefined);
      if (fleet.connected) fleet.send({ type: 'close' });
      await closed;
      await stopChild(fleet);
    }),
  );
}

/** RSS per idle, subscribed connection: a fresh server per system, RSS before and after connecting. */
export async function memory(ctx: BenchContext): Promise<void> {
  for (const connections of ctx.sizes.memoryConnections) {
    const rows: ResultRow[] = [];
    for (const system of ctx.systems.filter((s) => MEMORY_SYSTEMS.has(s.name))) {
      ctx.log(`memory ${connections}: ${system.label}`);
      const server = await startServer(system.server, { accounts: 1, logName: `memory-${system.name}` });
      const fleets: ChildProcess[] = [];
      try {
        await sleep(500);
        const heapBefore = await server.collectGarbage?.();
        const before = treeRssKib(server.pid!);
        const { specs } = oneBinding(connections);
        const fleetCount = Math.max(1, Math.ceil(connections / ctx.clientsPerFleet));
        const per = Math.ceil(connections / fleetCount);
        const ready: Array<Promise<Extract<FleetReport, { type: 'ready' }>>> = [];
        for (let f = 0; f < fleetCount; f++) {
          const fleet = forkTs('lib/client-fleet.ts', [], { logName: `memory-fleet-${f}` });
          fleets.push(fleet);
          ready.push(nextMessage(fleet, 'ready', 240_000));
          fleet.send({ type: 'connect', protocol: system.protocol, base: server.base, vhost: BENCH_VHOST, token: BENCH_TOKEN, specs: specs.slice(f * per, (f + 1) * per), concurrency: 100, timeoutMs: 15_000, deadlineMs: 200_000, localAddress: `127.0.0.${2 + f}` });
        }
        const readies = await Promise.all(ready);
        const connected = readies.reduce((n, r) => n + r.connected, 0);
        await sleep(ctx.sizes.memoryIdleMs); // idle: handshakes and subscribes settle
        const heapAfter = await server.collectGarbage?.(); // RSS then holds what the connections keep, not their garbage
        const after = treeRssKib(server.pid!);
        const perConnectionKib = connected > 0 ? Math.round(((after - before) / connected) * 10) / 10 : undefined;
        const failed = readies.reduce((n, r) => n + r.failed, 0);
        const row: ResultRow = { scenario: 'memory', variant: `${connections} connections`, system: system.name, label: system.label, connected, failed, rssBeforeMiB: Math.round(before / 1024), rssAfterMiB: Math.round(after / 1024), perConnectionKib };
        const firstError = readies.find((r) => r.firstError)?.firstError;
        if (firstError) row['firstError'] = firstError;
        if (heapBefore !== undefined && heapAfter !== undefined && connected > 0) row['heapPerConnectionKib'] = Math.round(((heapAfter - heapBefore) / 1024 / connected) * 10) / 10;
        rows.push(row);
        ctx.log(`  → ${connected} connected (${failed} failed), ${perConnectionKib} KiB per connection`);
      } catch (err) {
        ctx.log(`  → failed: ${(err as Error).message}`);
        rows.push({ scenario: 'memory', variant: `${connections} connections`, system: system.name, label: system.label, error: (err as Error).message });
      } finally {
        await closeFleets(fleets);
        await server.stop();
      }
    }
    ratiosAgainstCeiling(rows, 'perConnectionKib');
    ctx.rows.push(...rows);
  }
}

/** Churn: concurrent loops of connect → subscribe → unsubscribe → disconnect for a fixed time. */
export async function churn(ctx: BenchContext): Promise<void> {
  const rows: ResultRow[] = [];
  const spec = oneBinding(1).specs[0]!;
  for (const system of ctx.systems.filter((s) => s.name !== 'broker-hop' && s.name !== 'native')) {
    await ctx.settle();
    ctx.log(`churn: ${system.label}`);
    const fleet = forkTs('lib/client-fleet.ts', [], { logName: 'churn-fleet' });
    try {
      const done = nextMessage<Extract<FleetReport, { type: 'churned' }>>(fleet, 'churned', ctx.sizes.churnMs + 60_000);
      fleet.send({ type: 'churn', protocol: system.protocol, base: ctx.serverFor(system).base, vhost: BENCH_VHOST, token: BENCH_TOKEN, spec, concurrency: ctx.sizes.churnConcurrency, durationMs: ctx.sizes.churnMs, maxCycles: 1_000_000, timeoutMs: 10_000 });
      const r = await done;
      const cycleMs = new LatencyHistogram();
      cycleMs.merge(r.histogram, r.maxUs);
      const cyclesPerSec = Math.round((r.cycles * 1000) / r.elapsedMs);
      const row: ResultRow = { scenario: 'churn', variant: `${ctx.sizes.churnConcurrency} concurrent loops`, system: system.name, label: system.label, cyclesPerSec, failed: r.failed, cycleMs: cycleMs.summary() };
      if (r.firstError) row['firstError'] = r.firstError;
      rows.push(row);
      ctx.log(`  → ${cyclesPerSec} cycles/s (${r.failed} failed${r.firstError ? `: ${r.firstError}` : ''})`);
    } catch (err) {
      ctx.log(`  → failed: ${(err as Error).message}`);
      rows.push({ scenario: 'churn', variant: `${ctx.sizes.churnConcurrency} concurrent loops`, system: system.name, label: system.label, error: (err as Error).message });
    } finally {
      await stopChild(fleet);
    }
  }
  ratiosAgainstCeiling(rows, 'cyclesPerSec');
  ctx.rows.push(...rows);
}

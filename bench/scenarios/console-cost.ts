// Owns the console-cost scenario: the raw WebSocket fan-out row run with the operator console's live
// stream closed and open, alternating, in the same run on the same server, so the console's cost on the
// event path is read against the run-to-run noise of the very same row. Knows deliveryRun and the watcher.
import { BenchContext, ResultRow } from './context';
import { deliveryRun } from './delivery-run';
import { fanoutWindow } from './delivery-scenarios';
import { oneBinding } from './layouts';
import { openConsoleStream } from '../lib/console-stream';

/** Rounds per state: closed, open, closed, open, … (alternating spreads slow drifts of the machine over both). */
const ROUNDS = 5;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

/** Fan-out, raw WebSocket, console closed vs open: two rows of medians, each with its rounds. */
export async function consoleCost(ctx: BenchContext): Promise<void> {
  const system = ctx.systems.find((s) => s.name === 'eh-ws');
  if (!system) return;
  const clients = ctx.sizes.fanoutClients[0] ?? 500;
  const server = ctx.serverFor(system);
  const rounds: Record<'closed' | 'open', Array<{ deliveriesPerSec: number; deliveriesPerCpuSec: number; p50: number; p99: number; serverCpuPct: number; restOfMachineCpuPct: number; samples?: number }>> = { closed: [], open: [] };
  for (let round = 0; round < ROUNDS; round++) {
    for (const state of ['closed', 'open'] as const) {
      await ctx.settle();
      ctx.log(`console ${clients} clients: ${system.label}, console ${state} (round ${round + 1}/${ROUNDS})`);
      const watcher = state === 'open' ? await openConsoleStream(server.base) : undefined;
      try {
        const r = await deliveryRun({
          ...oneBinding(clients),
          system,
          server,
          settle: () => ctx.settle(),
          pace: { mode: 'window', window: fanoutWindow(clients) },
          fleets: 1,
          warmupMs: ctx.sizes.warmupMs,
          measureMs: Math.max(3000, ctx.sizes.measureMs * 2),
          receiversPerEvent: clients,
        });
        const entry = {
          deliveriesPerSec: r.deliveriesPerSec,
          deliveriesPerCpuSec: r.deliveriesPerCpuSec ?? 0,
          p50: r.latencyMs.p50 ?? 0,
          p99: r.latencyMs.p99 ?? 0,
          serverCpuPct: r.serverCpuPct ?? 0,
          restOfMachineCpuPct: (r['restOfMachineCpuPct'] as number | undefined) ?? 0,
          ...(watcher ? { samples: watcher.samples() } : {}),
        };
        rounds[state].push(entry);
        ctx.log(`  → ${entry.deliveriesPerSec} deliveries/s, ${entry.deliveriesPerCpuSec} per CPU-s, p99 ${entry.p99} ms${watcher ? `, ${watcher.samples()} console samples read` : ''}`);
      } finally {
        await watcher?.close();
      }
    }
  }
  for (const state of ['closed', 'open'] as const) {
    const rs = rounds[state];
    const row: ResultRow = {
      scenario: 'console',
      variant: `${clients} clients, console ${state}`,
      system: system.name,
      label: system.label,
      deliveriesPerSec: median(rs.map((r) => r.deliveriesPerSec)),
      deliveriesPerCpuSec: median(rs.map((r) => r.deliveriesPerCpuSec)),
      latencyMs: { p50: median(rs.map((r) => r.p50)), p99: median(rs.map((r) => r.p99)) },
      serverCpuPct: median(rs.map((r) => r.serverCpuPct)),
      restOfMachineCpuPct: Math.max(...rs.map((r) => r.restOfMachineCpuPct)),
      rounds: rs,
    };
    if (state === 'open') row['consoleSamples'] = rs.reduce((n, r) => n + (r.samples ?? 0), 0);
    ctx.rows.push(row);
  }
}

// Owns the three delivery scenarios: fan-out (one binding, many clients, as fast as delivery keeps
// up), routing (one client per account binding) and latency at a steady rate next to the broker hop.
// Knows nothing about how clients or servers are started beyond deliveryRun and the context.
import { BenchContext, ResultRow, ratiosAgainstCeiling, ratiosAgainstNative } from './context';
import { deliveryRun, DeliveryRunOptions } from './delivery-run';
import { accountPerClient, oneBinding } from './layouts';
import type { SystemInfo } from '../lib/systems';
import { bindingsPerQueue } from '../lib/broker';

/** Bindings on `callevt` in the bench vhost right now: the broker-side cost of the routing layout. */
function brokerBindings(): Record<string, unknown> {
  try {
    const perQueue = bindingsPerQueue();
    let bindings = 0;
    for (const n of perQueue.values()) bindings += n;
    return { brokerBindings: bindings, brokerQueues: perQueue.size };
  } catch (err) {
    return { brokerBindings: `unavailable: ${(err as Error).message.split('\n')[0]}` };
  }
}

async function runEach(ctx: BenchContext, scenario: ResultRow['scenario'], variant: string, systems: SystemInfo[], options: (s: SystemInfo) => Omit<DeliveryRunOptions, 'system' | 'server'>): Promise<ResultRow[]> {
  const rows: ResultRow[] = [];
  for (const system of systems) {
    const o = options(system);
    await ctx.settle();
    ctx.log(`${scenario} ${variant}: ${system.label} (${o.specs.length} clients)`);
    try {
      const result = await deliveryRun({ ...o, system, server: ctx.serverFor(system), settle: () => ctx.settle() });
      const { system: _name, ...numbers } = result;
      rows.push({ scenario, variant, system: system.name, label: system.label, ...numbers });
      ctx.log(`  → ${result.deliveriesPerSec} deliveries/s, p50 ${result.latencyMs.p50} ms, p99 ${result.latencyMs.p99} ms, server CPU ${result.serverCpuPct}%, publisher ${result['publisherCpuPct']}%, fleets ${result['fleetCpuPct']}%, broker ${result['brokerCpuPct']}%, rest of machine ${result['restOfMachineCpuPct']}%` + (result.connectFailures ? `, ${result.connectFailures} failed to connect (${result.firstError})` : ''));
    } catch (err) {
      ctx.log(`  → failed: ${(err as Error).message}`);
      rows.push({ scenario, variant, system: system.name, label: system.label, error: (err as Error).message });
    }
  }
  return rows;
}

/** Events in flight for fan-out: about 4,000 deliveries outstanding, between 2 and 32 events (enough to keep the server busy, few enough not to measure queueing). */
export const fanoutWindow = (clients: number) => Math.max(2, Math.min(32, Math.ceil(4000 / clients)));

const fleetsFor = (ctx: BenchContext, clients: number) => Math.max(1, Math.ceil(clients / ctx.clientsPerFleet));

/** Fan-out: every client on one binding; events published as fast as all clients receive them. */
export async function fanout(ctx: BenchContext): Promise<void> {
  const candidates = ctx.systems.filter((s) => s.name !== 'broker-hop');
  for (const clients of ctx.sizes.fanoutClients) {
    const systems = candidates.filter((s) => s.name !== 'web-stomp' || clients <= ctx.sizes.stompMaxClients);
    const layout = oneBinding(clients);
    const rows = await runEach(ctx, 'fanout', `${clients} clients`, systems, () => ({
      ...layout,
      // Enough events in flight that the server, not the round trip, is what limits throughput.
      pace: { mode: 'window', window: fanoutWindow(clients) },
      fleets: fleetsFor(ctx, clients),
      warmupMs: ctx.sizes.warmupMs,
      measureMs: ctx.sizes.measureMs,
      receiversPerEvent: clients,
    }));
    ratiosAgainstCeiling(rows, 'deliveriesPerSec');
    ctx.nativeDeliveriesPerCpuSec = ratiosAgainstNative(rows) ?? ctx.nativeDeliveriesPerCpuSec;
    ctx.rows.push(...rows);
  }
}

const AT_10K = new Set(['broker-hop', 'ceiling', 'eh-ws', 'eh-sio', 'eh-sio09']);

/** The broker hop first, so every later row can be read against what the broker alone does. */
const hopFirst = (systems: SystemInfo[]) => [...systems.filter((s) => s.name === 'broker-hop'), ...systems.filter((s) => s.name !== 'broker-hop')];

/**
 * Routing: one client per account binding, events spread over the accounts, many in flight. The
 * broker hop row (publisher → one amqplib consumer, same window) is the broker's own limit here.
 */
export async function routing(ctx: BenchContext): Promise<void> {
  // The native ceiling writes every event to every client: a fan-out reference only.
  const systems = hopFirst(ctx.systems.filter((s) => s.name !== 'native'));
  const { routingClients, stompMaxClients } = ctx.sizes;
  const rows = await runEach(ctx, 'routing', `${routingClients} accounts`, systems, (s) => {
    const clients = s.name === 'web-stomp' ? Math.min(stompMaxClients, routingClients) : routingClients;
    return {
      ...accountPerClient(clients),
      pace: { mode: 'window', window: ctx.sizes.routingWindow },
      fleets: fleetsFor(ctx, clients),
      warmupMs: ctx.sizes.warmupMs,
      measureMs: ctx.sizes.measureMs,
      receiversPerEvent: 1,
      whileConnected: brokerBindings,
    };
  });
  ratiosAgainstCeiling(rows, 'eventsPerSec');
  ratiosAgainstNative(rows, ctx.nativeDeliveriesPerCpuSec);
  ctx.rows.push(...rows);
}

/**
 * Latency at steady total rates, one client per account, the broker hop alone first in each: the
 * issue's rate (10,000/s) and a rate the broker hop sustains on this machine, where the bridge's own
 * share of the latency is visible rather than the broker's queueing.
 */
export async function latency(ctx: BenchContext): Promise<void> {
  const { latencyClients, latencyRates, stompMaxClients } = ctx.sizes;
  for (const perSecond of latencyRates) {
    // Quick mode keeps 10,000/s to the rows its targets read: every peer there measures the broker's limit.
    const candidates = ctx.systems.filter((s) => s.name !== 'native');
    const systems = perSecond >= 10_000 && !ctx.sizes.everySystemAt10k ? candidates.filter((s) => AT_10K.has(s.name)) : candidates;
    const rows = await runEach(ctx, 'latency', `${latencyClients} clients, ${perSecond.toLocaleString('en-US')}/s`, hopFirst(systems), (s) => {
      const clients = s.name === 'web-stomp' ? Math.min(stompMaxClients, latencyClients) : latencyClients;
      return {
        ...accountPerClient(clients),
        pace: { mode: 'rate', perSecond },
        fleets: fleetsFor(ctx, clients),
        warmupMs: ctx.sizes.latencyWarmupMs,
        measureMs: ctx.sizes.latencyMeasureMs,
        receiversPerEvent: 1,
      };
    });
    const ceiling = rows.find((r) => r.system === 'ceiling');
    const ceilingP50 = (ceiling?.['latencyMs'] as { p50?: number } | undefined)?.p50;
    for (const row of rows) {
      row['perSecond'] = perSecond;
      const p50 = (row['latencyMs'] as { p50?: number } | undefined)?.p50;
      // For latency the ratio is ceiling p50 / this p50, so higher is better here too.
      if (ceilingP50 && p50) row.ratioToCeiling = Math.round((ceilingP50 / p50) * 100) / 100;
    }
    ctx.rows.push(...rows);
  }
}

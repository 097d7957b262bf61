// The broker scenario (`npm run bench -- --only=bus`, and part of every complete run): re-binding
// and acknowledged-delivery rows, each group beside its own baseline, as JSON rows and a Markdown table.
import { consumeRows } from './bus-consume';
import { coalesceCostRows } from './bus-coalesce-cost';
import { e2eRows } from './bus-e2e';
import { BusRow, rebindRows } from './bus-rebind';

export interface BusSizes {
  bindings: number;
  consumeEvents: number;
}

export const BUS_SIZES: BusSizes = { bindings: 10_000, consumeEvents: 50_000 };

/** Runs every broker row. */
export async function busScenario(sizes: BusSizes, log: (line: string) => void): Promise<BusRow[]> {
  log(`bus: re-binding ${sizes.bindings} bindings after a cut`);
  const rebind = await rebindRows(sizes.bindings, log);
  const base = rebind[0]!.ms;
  for (const r of await e2eRows(sizes.bindings, log)) rebind.push({ ...r, ratio: Math.round((base / Math.max(1, r.ms)) * 10) / 10 });
  log(`bus: draining ${sizes.consumeEvents} events`);
  const consume = await consumeRows(sizes.consumeEvents, log);
  log(`bus: what coalescing costs, ${sizes.consumeEvents} other accounts' events`);
  const cost = await coalesceCostRows(sizes.consumeEvents, log);
  return [...rebind, ...consume, ...cost];
}

/**
 * The Markdown tables of the broker rows.
 * @example fs.writeFileSync("bus-latest.md", busMarkdown(rows));
 */
export function busMarkdown(rows: BusRow[]): string {
  const rebind = rows.filter((r) => r.scenario === 'rebind');
  const consume = rows.filter((r) => r.scenario === 'consume');
  const cost = rows.filter((r) => r.scenario === 'coalesce-cost');
  const lines: string[] = [];
  if (rebind.length) {
    lines.push(`#### Re-binding after a reconnection (${rebind[0]!.measure}; time from the new connection to every binding live)`, '');
    lines.push('| variant | time | bindings/s | broker CPU (% of a core) | speed-up over the baseline |', '|---|---:|---:|---:|---:|');
    for (const r of rebind) lines.push(`| ${r.variant} | ${r.ms.toLocaleString('en-US')} ms | ${r.perSecond.toLocaleString('en-US')} | ${r.brokerCpuPct ?? '?'} | ${r.ratio}× |`);
    lines.push('');
  }
  if (consume.length) {
    lines.push(`#### Consuming (${consume[0]!.measure} from a full queue, the bus's consumer)`, '');
    lines.push('| variant | time | events/s | CPU µs per event | rate vs the baseline |', '|---|---:|---:|---:|---:|');
    for (const r of consume) lines.push(`| ${r.variant} | ${r.ms.toLocaleString('en-US')} ms | ${r.perSecond.toLocaleString('en-US')} | ${r.cpuUsPerItem} | ${r.ratio}× |`);
    lines.push('');
  }
  if (cost.length) {
    lines.push(`#### What coalescing costs (${cost[0]!.measure} reaching the node through a coalesced shape, dropped in-process)`, '');
    lines.push('| variant | time | events/s | CPU µs per event | rate vs the baseline |', '|---|---:|---:|---:|---:|');
    for (const r of cost) lines.push(`| ${r.variant} | ${r.ms.toLocaleString('en-US')} ms | ${r.perSecond.toLocaleString('en-US')} | ${r.cpuUsPerItem} | ${r.ratio}× |`);
  }
  return lines.join('\n');
}

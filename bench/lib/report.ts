// Owns turning a run's result rows into Markdown: one table per scenario with absolute numbers and
// ratios to the ceiling, and the product's targets checked against the same rows.
// Knows nothing about how the numbers were measured.
import type { ResultRow } from '../scenarios/context';

type Latency = { p50?: number; p99?: number; p999?: number; max?: number };
const num = (v: unknown) => (typeof v === 'number' ? v.toLocaleString('en-US') : v === undefined ? '–' : String(v));
const ratio = (r: ResultRow) => (r.ratioToCeiling === undefined ? '–' : `${r.ratioToCeiling.toFixed(2)}×`);
const pct = (v: unknown) => (typeof v === 'number' ? `${v}%` : '–');
const lat = (r: ResultRow) => (r['latencyMs'] ?? {}) as Latency;
const fail = (r: ResultRow) => (r['error'] ? `error: ${String(r['error']).slice(0, 60)}` : r['connectFailures'] || r['failed'] ? `${num(r['connectFailures'] ?? r['failed'])} failed` : '');

function table(header: string[], rows: string[][]): string {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

/** Deliveries per server CPU-second as a ratio to the native ceiling's (`×`), or a dash. */
const nativeRatio = (r: ResultRow) => (typeof r['ratioToNativePerCpu'] === 'number' ? `${(r['ratioToNativePerCpu'] as number).toFixed(2)}×` : '–');

/** Markdown tables for every scenario present in `rows`. */
export function renderTables(rows: ResultRow[]): string {
  const of = (s: ResultRow['scenario']) => rows.filter((r) => r.scenario === s);
  const out: string[] = [];
  if (of('fanout').length) {
    out.push('#### Fan-out (one binding; events published as fast as every client receives them, about 4,000 deliveries in flight)');
    out.push(table(['clients', 'system', 'deliveries/s', 'vs minimal Node', 'p50 ms', 'p99 ms', 'server CPU', 'deliveries per CPU-s', 'per CPU-s vs native', 'client fleets CPU', 'rest of machine CPU', 'notes'],
      of('fanout').map((r) => [r.variant, r.label, num(r['deliveriesPerSec']), ratio(r), num(lat(r).p50), num(lat(r).p99), pct(r['serverCpuPct']), num(r['deliveriesPerCpuSec']), nativeRatio(r), pct(r['fleetCpuPct']), pct(r['restOfMachineCpuPct']), fail(r)])));
  }
  if (of('console').length) {
    out.push('#### Fan-out with the operator console open (raw WebSocket, same server; medians of rounds alternating closed/open, range in brackets)');
    const range = (r: ResultRow, key: string) => {
      const xs = ((r['rounds'] as Array<Record<string, number>> | undefined) ?? []).map((x) => x[key] ?? 0);
      return xs.length ? ` (${num(Math.min(...xs))}–${num(Math.max(...xs))})` : '';
    };
    out.push(table(['clients', 'console', 'deliveries/s', 'deliveries per CPU-s', 'p50 ms', 'p99 ms', 'server CPU', 'console samples read', 'rest of machine CPU (max)'],
      of('console').map((r) => [r.variant.split(',')[0]!, r.variant.split('console ')[1] ?? '', num(r['deliveriesPerSec']) + range(r, 'deliveriesPerSec'), num(r['deliveriesPerCpuSec']) + range(r, 'deliveriesPerCpuSec'), num(lat(r).p50), num(lat(r).p99), pct(r['serverCpuPct']), num(r['consoleSamples']), pct(r['restOfMachineCpuPct'])])));
  }
  if (of('routing').length) {
    out.push('#### Routing (one client per account binding, events spread over the accounts, a fixed window of events in flight; CPU in % of one core while measuring)');
    out.push(table(['accounts', 'system', 'clients', 'events routed/s', 'vs minimal Node', 'p50 ms', 'p99 ms', 'broker bindings', 'server CPU', 'events per server CPU-s', 'per CPU-s vs native fan-out', 'broker CPU', 'publisher CPU', 'client fleets CPU', 'rest of machine CPU', 'notes'],
      of('routing').map((r) => [r.variant, r.label, num(r['clients']), num(r['eventsPerSec']), ratio(r), num(lat(r).p50), num(lat(r).p99), num(r['brokerBindings']), pct(r['serverCpuPct']), num(r['deliveriesPerCpuSec']), nativeRatio(r), pct(r['brokerCpuPct']), pct(r['publisherCpuPct']), pct(r['fleetCpuPct']), pct(r['restOfMachineCpuPct']), fail(r)])));
  }
  if (of('crash').length) {
    out.push('#### A worker SIGKILLed mid-stream (2 workers; survivors = clients of the other worker)');
    out.push(table(['load', 'system', 'clients', 'cut', 'deliveries/s before (all clients)', 'survivors got/s after', 'expected after', 'ratio', 'p99 ms before', 'p99 ms after', 'new worker after ms', 'cut clients back (connect + subscribe) ms'],
      of('crash').map((r) => [r.variant, r.label, num(r['clients']), num(r['cutClients']), num(r['survivorDeliveriesPerSecBefore']), num(r['survivorDeliveriesPerSecAfter']), num(r['expectedSurvivorPerSec']), num(r['survivorRatio']), num(r['p99Before']), num(r['p99After']), num(r['workerRestartMs']), num(r['reconnectMs'])])));
  }
  if (of('latency').length) {
    out.push('#### Latency at a steady rate (publish → receive; ratio = ceiling p50 / this p50)');
    out.push(table(['load', 'system', 'clients', 'delivered/s', 'p50 ms', 'p99 ms', 'p99.9 ms', 'max ms', 'vs ceiling', 'server CPU', 'broker CPU', 'rest of machine CPU', 'notes'],
      of('latency').map((r) => [r.variant, r.label, num(r['clients']), num(r['deliveriesPerSec']), num(lat(r).p50), num(lat(r).p99), num(lat(r).p999), num(lat(r).max), ratio(r), pct(r['serverCpuPct']), pct(r['brokerCpuPct']), pct(r['restOfMachineCpuPct']), fail(r)])));
  }
  if (of('memory').length) {
    out.push('#### Memory per idle connection (fresh server, one binding each, full GC before both readings; RSS delta / connections; ratio: lower is better)');
    out.push(table(['connections', 'system', 'connected', 'RSS before MiB', 'RSS after MiB', 'RSS KiB per connection', 'vs ceiling', 'JS heap KiB per connection', 'notes'],
      of('memory').map((r) => [r.variant, r.label, num(r['connected']), num(r['rssBeforeMiB']), num(r['rssAfterMiB']), num(r['perConnectionKib']), ratio(r), num(r['heapPerConnectionKib']), fail(r)])));
  }
  if (of('churn').length) {
    out.push('#### Churn (connect → subscribe → unsubscribe → disconnect)');
    out.push(table(['loops', 'system', 'cycles/s', 'vs ceiling', 'cycle p50 ms', 'cycle p99 ms', 'notes'],
      of('churn').map((r) => { const c = (r['cycleMs'] ?? {}) as Latency; return [r.variant, r.label, num(r['cyclesPerSec']), ratio(r), num(c.p50), num(c.p99), fail(r)]; })));
  }
  return out.join('\n\n');
}

/** Above this share of a core used by other processes during a compared row, a verdict is flagged. */
const NOISY_PCT = 50;

/** A warning when other processes took the machine during any of the compared rows. */
function noise(...compared: Array<ResultRow | undefined>): string {
  const worst = Math.max(0, ...compared.map((r) => (typeof r?.['restOfMachineCpuPct'] === 'number' ? (r['restOfMachineCpuPct'] as number) : 0)));
  return worst >= NOISY_PCT ? ` (other processes used up to ${worst}% of a core during these rows: not a reliable verdict)` : '';
}

/**
 * The console costs nothing measurable when the open rows' median deliveries per server CPU-second is
 * within the spread of the closed rows themselves (their own run-to-run noise), or within 5 %.
 */
function consoleVerdict(closed: ResultRow, opened: ResultRow): string {
  const perCpu = (r: ResultRow) => ((r['rounds'] as Array<{ deliveriesPerCpuSec: number }> | undefined) ?? []).map((x) => x.deliveriesPerCpuSec);
  const c = closed['deliveriesPerCpuSec'] as number;
  const o = opened['deliveriesPerCpuSec'] as number;
  const spread = Math.max(...perCpu(closed)) - Math.min(...perCpu(closed));
  const tolerance = Math.max(spread, 0.05 * c);
  const change = c > 0 ? ((o - c) / c) * 100 : 0;
  return `fan-out ${closed.variant.split(',')[0]} with the operator console open: ${num(o)} vs ${num(c)} deliveries per server CPU-second (${change >= 0 ? '+' : ''}${change.toFixed(1)} %; the closed rounds alone spread ${num(spread)}), target: within noise: ${Math.abs(o - c) <= tolerance ? 'met' : '**not met**'}`;
}

/** The product's targets, each checked against this run's rows (only those it measured). */
export function checkTargets(rows: ResultRow[]): string[] {
  const lines: string[] = [];
  const pick = (scenario: string, system: string, variant?: string) => rows.find((r) => r.scenario === scenario && r.system === system && (!variant || r.variant === variant) && !r['error']);
  const verdict = (ok: boolean) => (ok ? 'met' : '**not met**');
  for (const variant of new Set(rows.filter((r) => r.scenario === 'fanout').map((r) => r.variant))) {
    const ws = pick('fanout', 'eh-ws', variant);
    const sio = pick('fanout', 'eh-sio', variant);
    const plain = pick('fanout', 'plain-sio', variant);
    const stomp = pick('fanout', 'web-stomp', variant);
    const d = (r?: ResultRow) => (r?.['deliveriesPerSec'] as number | undefined) ?? 0;
    const ceiling = pick('fanout', 'ceiling', variant);
    if (ws?.ratioToCeiling !== undefined) lines.push(`fan-out ${variant}: raw ws ${ws.ratioToCeiling.toFixed(2)}× ceiling (target ≥ 0.90): ${verdict(ws.ratioToCeiling >= 0.9)}${noise(ws, ceiling)}`);
    if (sio && plain) lines.push(`fan-out ${variant}: Socket.IO ${(d(sio) / d(plain)).toFixed(2)}× plain Socket.IO (target ≥ 1.00): ${verdict(d(sio) >= d(plain))}${noise(sio, plain)}`);
    if (stomp && ws && sio) lines.push(`fan-out ${variant}: raw ws ${(d(ws) / d(stomp)).toFixed(2)}×, Socket.IO ${(d(sio) / d(stomp)).toFixed(2)}× Web-STOMP (target ≥ 1.5): ${verdict(d(ws) >= 1.5 * d(stomp) && d(sio) >= 1.5 * d(stomp))}${noise(ws, sio, stomp)}`);
  }
  const closed = rows.find((r) => r.scenario === 'console' && r.variant.endsWith('console closed'));
  const opened = rows.find((r) => r.scenario === 'console' && r.variant.endsWith('console open'));
  if (closed && opened) lines.push(consoleVerdict(closed, opened) + noise(closed, opened));
  for (const variant of new Set(rows.filter((r) => r.scenario === 'latency').map((r) => r.variant))) {
    const hop = pick('latency', 'broker-hop', variant);
    const hopText = hop ? `; broker hop alone ${num(hop['deliveriesPerSec'])}/s, p50 ${lat(hop).p50} ms, p99 ${lat(hop).p99} ms` : '';
    for (const system of ['eh-ws', 'eh-sio']) {
      const r = pick('latency', system, variant);
      if (r) lines.push(`latency ${r.variant}, ${r.label}: ${num(r['deliveriesPerSec'])}/s delivered, p50 ${lat(r).p50} ms (≤ 2), p99 ${lat(r).p99} ms (≤ 10): ${verdict((lat(r).p50 ?? 99) <= 2 && (lat(r).p99 ?? 99) <= 10)}${hopText}${noise(r, hop)}`);
    }
    // The Socket.IO tails against raw WebSocket's, same server, same run: v4 within 2×, 0.9 within 3×.
    const ws = pick('latency', 'eh-ws', variant);
    for (const [system, limit] of [['eh-sio', 2], ['eh-sio09', 3]] as const) {
      const r = pick('latency', system, variant);
      const base = lat(ws ?? ({} as ResultRow)).p99;
      const p99 = lat(r ?? ({} as ResultRow)).p99;
      if (!r || !ws || !base || !p99) continue;
      // A row that did not keep up with the rate measured a backlog (the broker's or its own), not a tail.
      const rate = r['perSecond'] as number | undefined;
      const behind = [ws, r].filter((x) => rate !== undefined && (x['deliveriesPerSec'] as number) < 0.95 * rate);
      const ratioText = `p99 ${p99} ms = ${(p99 / base).toFixed(2)}× raw WebSocket's ${base} ms (target ≤ ${limit}×)`;
      if (behind.length > 0) lines.push(`latency ${r.variant}, ${r.label}: ${ratioText}: **not measurable in this run**: ${behind.map((x) => `${x.label} delivered ${num(x['deliveriesPerSec'])}/s`).join(', ')} of ${num(rate)}/s${noise(r, ws)}`);
      else lines.push(`latency ${r.variant}, ${r.label}: ${ratioText}: ${verdict(p99 <= limit * base)}${noise(r, ws)}`);
    }
  }
  for (const [system, limit] of [['eh-ws', 12], ['eh-sio', 25], ['eh-sio09', 25]] as const) {
    for (const r of rows.filter((x) => x.scenario === 'memory' && x.system === system && !x['error'])) {
      const kib = r['perConnectionKib'] as number;
      lines.push(`memory ${r.variant}, ${r.label}: ${kib} KiB per connection (≤ ${limit}): ${verdict(kib <= limit)}`);
    }
  }
  const routingHop = pick('routing', 'broker-hop');
  for (const system of ['eh-ws', 'eh-sio']) {
    const r = pick('routing', system);
    if (r) lines.push(`routing ${r.variant}, ${r.label}: ${num(r['eventsPerSec'])} events/s (≥ 20,000): ${verdict((r['eventsPerSec'] as number) >= 20_000)}; ${num(r['deliveriesPerCpuSec'])} events per server CPU-second` + (routingHop ? `; the broker hop alone routed ${num(routingHop['eventsPerSec'])} events/s in the same run` : '') + noise(r, routingHop));
    // Per server CPU-second divides the machine's noise out: the routing layout's per-event cost.
    const perCpu = r?.['deliveriesPerCpuSec'] as number | undefined;
    if (r && system === 'eh-ws' && perCpu !== undefined) lines.push(`routing ${r.variant}, ${r.label}: ${num(perCpu)} events per server CPU-second (target ≥ 50,000): ${verdict(perCpu >= 50_000)}`);
  }
  return lines;
}

/** What a finished run writes: a line on the run, every table, and the targets. */
export interface RunRecord {
  startedAt: string;
  finishedAt: string;
  command: string;
  note?: string;
  machine: Record<string, unknown>;
  loadAverageAtEnd: number[];
  rows: ResultRow[];
}

/**
 * The Markdown summary of a run (the block that goes into docs/BENCHMARKS.md).
 * @example fs.writeFileSync("quick-latest.md", runSummary(JSON.parse(fs.readFileSync("quick-latest.json", "utf8"))));
 */
export function runSummary(run: RunRecord): string {
  const seconds = Math.round((Date.parse(run.finishedAt) - Date.parse(run.startedAt)) / 1000);
  const loadAtStart = (run.machine['loadAverageAtStart'] as number[] | undefined) ?? [];
  return [
    `Run ${run.startedAt} (${seconds} s), \`${run.command}\`${run.note ? ` — ${run.note}` : ''}; load average at start ${loadAtStart.join(' ')}, at end ${run.loadAverageAtEnd.join(' ')}.`,
    renderTables(run.rows),
    '#### Targets\n\n' + checkTargets(run.rows).map((t) => `- ${t}`).join('\n'),
  ].join('\n\n');
}

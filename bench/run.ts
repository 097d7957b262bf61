// The benchmark driver (`npm run bench [-- --full]`): starts every system under test against the same
// RabbitMQ, runs the scenarios with load generators in child processes, writes JSON and Markdown.
// Knows the order of things only; scenarios, systems and load generators live beside it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BENCH_VHOST, descriptorLimits, ensureBenchVhost, ensureWebStomp, rabbitVersion } from './lib/broker';
import { BENCH_DIR, killAllChildren } from './lib/processes';
import { settle } from './lib/settle';
import { RunRecord, runSummary } from './lib/report';
import { RunningServer, SYSTEMS, SystemInfo, SystemName, hasLegacySocketIo, startServer } from './lib/systems';
import { BenchContext, FULL, QUICK, Sizes } from './scenarios/context';
import { fanout, latency, routing } from './scenarios/delivery-scenarios';
import { churn, memory } from './scenarios/memory-and-churn';
import { crash } from './scenarios/worker-crash';
import { BUS_SIZES, busMarkdown, busScenario } from './scenarios/bus';
import { consoleCost } from './scenarios/console-cost';

const SCENARIOS = { fanout, console: consoleCost, routing, latency, churn, crash, memory } as const;
type ScenarioName = keyof typeof SCENARIOS | 'bus';

/** Tiny sizes for developing the harness on a shared machine (`--tiny`). */
const TINY: Sizes = { ...QUICK, fanoutClients: [50, 100], routingClients: 200, latencyClients: 100, latencyRates: [1000], memoryConnections: [200], measureMs: 2000, latencyMeasureMs: 2000, churnMs: 2000, churnConcurrency: 4, stompMaxClients: 100 };

/** Every option the bench reads, with what it does (`--help` prints them; anything else is refused). */
const OPTIONS: Record<string, string> = {
  full: 'the full sizes (default: quick)',
  tiny: '50-200 clients, for developing the harness',
  only: 'scenarios, comma-separated: fanout,console,routing,latency,churn,memory,bus (crash by name only)',
  systems: `systems, comma-separated: ${Object.keys(SYSTEMS).join(',')}`,
  fanout: 'fan-out client counts, comma-separated',
  memory: 'idle connection counts, comma-separated',
  accounts: 'routing accounts',
  rate: 'one latency rate (events/s)',
  window: 'routing events in flight',
  'measure-ms': 'measuring time per row',
  'warmup-ms': 'warm-up time per row',
  profile: 'CPU profile of the server (written under bench/results)',
  note: 'a note stored with the results',
  render: 'render a results JSON file to Markdown instead of running',
};

function refuseUnknownOptions(): void {
  const names = process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')[0]!);
  if (names.includes('help')) {
    console.log(`npm run bench -- [options]\n${Object.entries(OPTIONS).map(([n, d]) => `  --${n.padEnd(11)} ${d}`).join('\n')}`);
    process.exit(0);
  }
  const unknown = names.filter((n) => !(n in OPTIONS));
  if (unknown.length > 0) {
    console.error(`bench: unknown option --${unknown[0]} (npm run bench -- --help lists them)`);
    process.exit(2);
  }
}

function option(name: string): string | undefined {
  const arg = process.argv.find((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  return arg === undefined ? undefined : (arg.split('=')[1] ?? '');
}

function packageVersion(name: string): string {
  try {
    return (JSON.parse(fs.readFileSync(path.join(BENCH_DIR, '..', 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'missing';
  }
}

function machine(): Record<string, unknown> {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    kernel: os.release(),
    loadAverageAtStart: os.loadavg().map((l) => Math.round(l * 100) / 100),
    fileDescriptorLimits: descriptorLimits(),
  };
}

function versions(): Record<string, string> {
  const v: Record<string, string> = { node: process.version, rabbitmq: rabbitVersion() };
  for (const name of ['ws', 'socket.io', 'amqplib', 'tsx', 'bufferutil', 'utf-8-validate']) v[name] = packageVersion(name);
  return v;
}

/** Replaces the block between `<!-- bench:MODE:begin -->` and `<!-- bench:MODE:end -->` in docs/BENCHMARKS.md. */
function updateDoc(mode: string, markdown: string): boolean {
  const doc = path.join(BENCH_DIR, '..', 'docs', 'BENCHMARKS.md');
  if (!fs.existsSync(doc)) return false;
  const text = fs.readFileSync(doc, 'utf8');
  const begin = `<!-- bench:${mode}:begin -->`;
  const end = `<!-- bench:${mode}:end -->`;
  const a = text.indexOf(begin);
  const b = text.indexOf(end);
  if (a < 0 || b < a) return false;
  fs.writeFileSync(doc, text.slice(0, a + begin.length) + '\n' + markdown + '\n' + text.slice(b));
  return true;
}

/**
 * The broker rows (re-binding, acknowledged delivery): self-contained, each beside its own baseline,
 * so any run that includes them rewrites their section of docs/BENCHMARKS.md.
 */
async function runBus(started: Date, log: (line: string) => void): Promise<void> {
  const rows = await busScenario(BUS_SIZES, log);
  const stamp = started.toISOString().replace(/[:.]/g, '-').slice(0, 19);
  const record = { startedAt: started.toISOString(), finishedAt: new Date().toISOString(), machine: machine(), versions: versions(), sizes: BUS_SIZES, rows };
  const dir = path.join(BENCH_DIR, 'results');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `bus-${stamp}.json`), JSON.stringify(record, null, 2));
  fs.writeFileSync(path.join(dir, 'bus-latest.json'), JSON.stringify(record, null, 2));
  const load = (record.machine['loadAverageAtStart'] as number[]).join(' ');
  const markdown = `Run ${record.startedAt}, RabbitMQ ${record.versions['rabbitmq']}, load average at start ${load}.\n\n${busMarkdown(rows)}`;
  fs.writeFileSync(path.join(dir, 'bus-latest.md'), markdown + '\n');
  if (updateDoc('bus', markdown)) log('docs/BENCHMARKS.md (bus section) updated');
  process.stdout.write('\n' + markdown + '\n');
}

/** `--render=<results json>`: rewrites that run's Markdown (and its docs section, for a complete run) from its rows. */
function renderOnly(file: string): void {
  const run = JSON.parse(fs.readFileSync(file, 'utf8')) as RunRecord & { mode: string };
  const markdown = runSummary(run);
  const partial = path.basename(file).includes('-partial-') || path.basename(file).startsWith('tiny');
  fs.writeFileSync(path.join(BENCH_DIR, 'results', `${run.mode}${partial ? '-partial' : ''}-latest.md`), markdown + '\n');
  if (!partial && updateDoc(run.mode, markdown)) process.stdout.write(`docs/BENCHMARKS.md (${run.mode} section) updated\n`);
}

async function main(): Promise<void> {
  refuseUnknownOptions();
  const render = option('render');
  if (render) {
    renderOnly(render);
    process.exit(0);
  }
  const started = new Date();
  const base = option('full') !== undefined ? FULL : option('tiny') !== undefined ? TINY : QUICK;
  const measureOverride = Number(option('measure-ms'));
  const fanoutOverride = option('fanout')?.split(',').map(Number).filter((n) => n > 0);
  let sizes: Sizes = measureOverride > 0 ? { ...base, measureMs: measureOverride, latencyMeasureMs: measureOverride } : base;
  if (fanoutOverride?.length) sizes = { ...sizes, fanoutClients: fanoutOverride };
  const memoryOverride = option('memory')?.split(',').map(Number).filter((n) => n > 0);
  if (memoryOverride?.length) sizes = { ...sizes, memoryConnections: memoryOverride };
  const windowOverride = Number(option('window'));
  if (windowOverride > 0) sizes = { ...sizes, routingWindow: windowOverride };
  const warmupOverride = Number(option('warmup-ms'));
  if (warmupOverride > 0) sizes = { ...sizes, warmupMs: warmupOverride, latencyWarmupMs: warmupOverride };
  const accountsOverride = Number(option('accounts'));
  if (accountsOverride > 0) sizes = { ...sizes, routingClients: accountsOverride };
  const rateOverride = Number(option('rate'));
  if (rateOverride > 0) sizes = { ...sizes, latencyRates: [rateOverride] };
  const only = option('only')?.split(',') as ScenarioName[] | undefined;
  const wanted = option('systems')?.split(',') as SystemName[] | undefined;
  const profile = option('profile') !== undefined;
  const note = option('note');
  const partial = only !== undefined || wanted !== undefined || base === TINY || profile || process.env['BENCH_EH_NODE_FLAGS'] !== undefined || measureOverride > 0 || sizes !== base;
  const command = `npm run bench --${process.argv.slice(2).length ? ' ' + process.argv.slice(2).join(' ') : ''}`.replace(/ --$/, '');
  const log = (line: string) => process.stdout.write(`[${((Date.now() - started.getTime()) / 1000).toFixed(0).padStart(4)}s] ${line}\n`);

  ensureBenchVhost();
  if (only?.length === 1 && only[0] === 'bus') {
    await runBus(started, log);
    process.exit(0);
  }
  if (!wanted || wanted.includes('web-stomp')) {
    const stompProblem = ensureWebStomp();
    if (stompProblem) process.stderr.write(`warning: ${stompProblem}; its rows will show every client failed\n`);
  }
  const ehRoot = process.env['BENCH_EH_ROOT'] ?? 'this checkout';
  const meta = { startedAt: started.toISOString(), mode: sizes.mode, command, note, ehRoot, machine: machine(), versions: versions(), vhost: BENCH_VHOST, sizes };
  log(`mode ${base === TINY ? 'tiny' : sizes.mode}; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);

  const profileDir = path.join(BENCH_DIR, 'results', 'profiles');
  const servers = new Map<string, RunningServer>();
  const ctx: BenchContext = {
    sizes,
    systems: [],
    serverFor: (s: SystemInfo) => servers.get(s.server)!,
    rows: [],
    log,
    clientsPerFleet: Number(process.env['BENCH_CLIENTS_PER_FLEET'] ?? 5000),
    async settle() {
      const pids = [...servers.values()].map((s) => s.pid).filter((pid): pid is number => pid !== undefined);
      const { waitedMs, quiet } = await settle({ pids, quietPct: 15, maxMs: 20_000 });
      if (waitedMs > 1000 || !quiet) log(`  (waited ${(waitedMs / 1000).toFixed(1)} s for the servers and the broker to go idle${quiet ? '' : '; still busy'})`);
    },
  };
  const abort = () => {
    killAllChildren();
    process.exit(130);
  };
  process.on('SIGINT', abort);
  process.on('SIGTERM', abort);
  try {
    // BENCH_EH_NODE_FLAGS (e.g. `--trace-gc`): extra Node flags for Event Horizon only, output in its log.
    const extraFlags = (process.env['BENCH_EH_NODE_FLAGS'] ?? '').split(' ').filter(Boolean);
    const nodeFlags = [...(profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []), ...extraFlags];
    const wants = (name: SystemName) => !wanted || wanted.includes(name);
    const [native, ceiling, eventHorizon, plainSio] = await Promise.all([
      wants('native') ? startServer('native', { accounts: 0, logName: 'native' }) : undefined,
      startServer('ceiling', { accounts: 0, logName: 'ceiling' }),
      startServer('event-horizon', { accounts: Math.max(sizes.routingClients, sizes.latencyClients), logName: 'event-horizon', nodeFlags }),
      startServer('plain-sio', { accounts: 0, logName: 'plain-sio' }),
    ]);
    if (native) servers.set('native', native);
    // Two workers: started only when asked for or in a full list (each worker is one more process on the machine).
    if (wants('eh-ws-2w')) servers.set('event-horizon-2w', await startServer('event-horizon-2w', { accounts: Math.max(sizes.routingClients, sizes.latencyClients), logName: 'event-horizon-2w', nodeFlags }));
    servers.set('ceiling', ceiling);
    servers.set('event-horizon', eventHorizon);
    servers.set('plain-sio', plainSio);
    servers.set('broker', await startServer('broker', { accounts: 0, logName: 'broker' }));
    servers.set('none', await startServer('none', { accounts: 0, logName: 'none' }));
    const legacy = await hasLegacySocketIo(servers.get('event-horizon')!.base);
    log(`Socket.IO 0.9 transport ${legacy ? 'found: included' : 'not found at /socket.io/1/: left out'}`);
    ctx.systems = (Object.values(SYSTEMS) as SystemInfo[]).filter((s) => (legacy || s.name !== 'eh-sio09') && (!wanted || wanted.includes(s.name)));
    for (const name of ['fanout', 'console', 'routing', 'latency', 'churn'] as const) {
      if (!only || only.includes(name)) await SCENARIOS[name](ctx);
    }
    // Kills a worker of the 2-worker server: asked for by name only (`--only=crash --systems=eh-ws-2w`).
    if (only?.includes('crash')) await crash(ctx);
    // Memory starts a fresh server per generation: the shared ones are stopped first to free the machine.
    for (const server of servers.values()) await server.stop();
    servers.clear();
    if (!only || only.includes('memory')) await memory(ctx);
    if (!only || only.includes('bus')) await runBus(started, log);
  } finally {
    for (const server of servers.values()) await server.stop();
  }

  const finished = { ...meta, finishedAt: new Date().toISOString(), loadAverageAtEnd: os.loadavg().map((l) => Math.round(l * 100) / 100), rows: ctx.rows };
  const stamp = started.toISOString().replace(/[:.]/g, '-').slice(0, 19);
  const name = `${base === TINY ? 'tiny' : sizes.mode}${partial ? '-partial' : ''}`;
  const dir = path.join(BENCH_DIR, 'results');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `${name}-${stamp}.json`), JSON.stringify(finished, null, 2));
  fs.writeFileSync(path.join(dir, `${name}-latest.json`), JSON.stringify(finished, null, 2));
  const markdown = runSummary(finished);
  fs.writeFileSync(path.join(dir, `${name}-latest.md`), markdown + '\n');
  if (!partial && updateDoc(sizes.mode, markdown)) log(`docs/BENCHMARKS.md (${sizes.mode} section) updated`);
  process.stdout.write('\n' + markdown + '\n');
  log(`results in bench/results/${name}-${stamp}.json`);
  process.exit(0);
}

main().catch((err: Error) => {
  process.stderr.write(`bench: ${err.stack ?? err.message}\n`);
  killAllChildren();
  process.exit(1);
});

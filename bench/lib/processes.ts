// Owns the benchmark's child processes: forking TypeScript entries under tsx with bounded lives,
// waiting for their IPC messages with deadlines, stopping them, and reading their RSS and CPU time.
// Knows nothing about what the children do.
import { ChildProcess, fork } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export const BENCH_DIR = path.resolve(__dirname, '..');
export const LOG_DIR = path.join(BENCH_DIR, 'results', 'logs');
const live = new Set<ChildProcess>();

export interface ForkOptions {
  /** Extra node flags, e.g. `--cpu-prof`. */
  nodeFlags?: string[];
  /** Log file name under bench/results/logs for stdout and stderr. */
  logName: string;
}

/**
 * Forks a TypeScript entry (path relative to bench/) with tsx; its output goes to a log file.
 * @example const child = forkTs('lib/client-fleet.ts', [], { logName: 'fleet-1' });
 */
export function forkTs(entry: string, args: string[], opts: ForkOptions): ChildProcess {
  fs.mkdirSync(LOG_DIR, { recursive: true });
  const log = fs.openSync(path.join(LOG_DIR, `${opts.logName}.log`), 'a');
  const child = fork(path.join(BENCH_DIR, entry), args, {
    execArgv: ['--import', 'tsx', ...(opts.nodeFlags ?? [])],
    stdio: ['ignore', log, log, 'ipc'],
    cwd: path.resolve(BENCH_DIR, '..'),
    env: { ...process.env, BENCH_CHILD_MAX_MS: String(20 * 60_000) },
  });
  fs.closeSync(log);
  // A child that died (e.g. a source file it imports did not compile) fails its row, not the run:
  // without a listener, the next send on its closed IPC channel would throw from an 'error' event.
  child.on('error', (err) => process.stderr.write(`bench child ${opts.logName}: ${err.message}\n`));
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

/** Resolves with the child's next IPC message of `type` (and its fields), or rejects after `timeoutMs`. */
export function nextMessage<T extends { type: string }>(child: ChildProcess, type: T['type'], timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (msg: T) => {
      if (msg.type !== type) return;
      cleanup();
      resolve(msg);
    };
    const onExit = (code: number | null) => {
      cleanup();
      reject(new Error(`child exited (code ${code}) before sending "${type}"`));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`no "${type}" from child within ${timeoutMs} ms`));
    }, timeoutMs);
    const cleanup = () => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the child is gone. */
export function stopChild(child: ChildProcess, graceMs = 3000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Kills every child still alive (on abort). */
export function killAllChildren(): void {
  for (const child of live) child.kill('SIGKILL');
}

/** Resident set size of a process in KiB (from /proc). */
export function rssKib(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
}

/** User + system CPU time of a process in milliseconds (from /proc). */
export function cpuMillis(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
}

/** A process and every descendant (a multi-worker server's workers), from /proc. */
export function processTree(pid: number): number[] {
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    try {
      for (const task of fs.readdirSync(`/proc/${out[i]}/task`)) {
        const children = fs.readFileSync(`/proc/${out[i]}/task/${task}/children`, 'utf8').trim();
        if (children) out.push(...children.split(/\s+/).map(Number));
      }
    } catch {
      /* exited meanwhile */
    }
  }
  return out;
}

/** One reading summed over a process and its descendants; one that exited meanwhile no longer counts. */
function sumOverTree(pid: number, read: (pid: number) => number): number {
  return processTree(pid).reduce((n, p) => {
    try {
      return n + read(p);
    } catch {
      return n;
    }
  }, 0);
}

/** {@link cpuMillis} summed over a process and its descendants (exited ones no longer count). */
export function treeCpuMillis(pid: number): number {
  return sumOverTree(pid, cpuMillis);
}

/** {@link rssKib} summed over a process and its descendants. */
export function treeRssKib(pid: number): number {
  return sumOverTree(pid, rssKib);
}

/** CPU time the whole machine spent busy (all cores, every process) in milliseconds (from /proc/stat). */
export function machineBusyMillis(): number {
  const [user, nice, system, , , irq, softirq, steal] = fs.readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
  return (((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) * 1000) / 100;
}

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// Owns the systems under test and how each is started: Event Horizon (raw ws, Socket.IO v4, Socket.IO
// 0.9 when it exists), the ceiling, plain Socket.IO, RabbitMQ Web-STOMP, and the broker hop alone.
// Knows nothing about scenarios; each system says which wire protocol its clients speak.
import { createHash } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AMQP_URL, brokerPid } from './broker';
import { forkTs, freePort, nextMessage, sleep, stopChild } from './processes';
import type { ProtocolName } from './wire-protocols';
import { BENCH_ADMIN_TOKEN } from './console-stream';

/**
 * The Node flags `npm start` runs the server with (package.json `config.node_flags`), read from the tree
 * the bench runs (`BENCH_EH_ROOT` or this one), so each tree is measured as it would run in production.
 */
function productionNodeFlags(): string[] {
  const root = process.env['BENCH_EH_ROOT'] ?? path.resolve(__dirname, '..', '..');
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { config?: { node_flags?: string } };
  return (pkg.config?.node_flags ?? '').split(' ').filter(Boolean);
}

export type SystemName = 'native' | 'ceiling' | 'eh-ws-2w' | 'eh-ws' | 'eh-sio' | 'eh-sio09' | 'plain-sio' | 'web-stomp' | 'broker-hop';

/** Which server process a system runs on (Event Horizon serves three client generations). */
type ServerKind = 'native' | 'ceiling' | 'event-horizon' | 'event-horizon-2w' | 'plain-sio' | 'broker' | 'none';

export interface SystemInfo {
  name: SystemName;
  label: string;
  protocol: ProtocolName;
  server: ServerKind;
}

export const SYSTEMS: Record<SystemName, SystemInfo> = {
  native: { name: 'native', label: 'native ceiling (C, epoll, pre-built frame)', protocol: 'ws-envelope', server: 'native' },
  ceiling: { name: 'ceiling', label: 'minimal Node (ws, pre-built frame)', protocol: 'ws-envelope', server: 'ceiling' },
  'eh-ws': { name: 'eh-ws', label: 'Event Horizon, raw WebSocket', protocol: 'ws-envelope', server: 'event-horizon' },
  'eh-ws-2w': { name: 'eh-ws-2w', label: 'Event Horizon, raw WebSocket, 2 workers', protocol: 'ws-envelope', server: 'event-horizon-2w' },
  'eh-sio': { name: 'eh-sio', label: 'Event Horizon, Socket.IO v4', protocol: 'socket.io-v4', server: 'event-horizon' },
  'eh-sio09': { name: 'eh-sio09', label: 'Event Horizon, Socket.IO 0.9', protocol: 'socket.io-0.9', server: 'event-horizon' },
  'plain-sio': { name: 'plain-sio', label: 'plain Socket.IO v4', protocol: 'socket.io-v4', server: 'plain-sio' },
  'web-stomp': { name: 'web-stomp', label: 'RabbitMQ Web-STOMP', protocol: 'web-stomp', server: 'broker' },
  'broker-hop': { name: 'broker-hop', label: 'broker hop alone (amqplib consumer)', protocol: 'ws-envelope', server: 'none' },
};

/** A running server: where clients connect and which process to account CPU and memory to. */
export interface RunningServer {
  base: string;
  pid: number | undefined;
  stop(): Promise<void>;
  /** Runs a full garbage collection in the server (our own processes only); resolves with its live heap in bytes. */
  collectGarbage?(): Promise<number>;
}

/** Deterministic 32-hex account ids: `benchAccount(7)` is the same in every run. */
export function benchAccount(i: number): string {
  return createHash('md5').update(`event-horizon-bench-account-${i}`).digest('hex');
}

export const BENCH_TOKEN = 'bench-token-0000000000000000';
export const ROOT_ACCOUNT = benchAccount(-1);

/** Writes a tokens file whose one token may see the root account and `accounts` descendants. */
function writeTokens(accounts: number): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eh-bench-'));
  const file = path.join(dir, 'tokens.json');
  const descendants = Array.from({ length: accounts }, (_, i) => benchAccount(i));
  fs.writeFileSync(file, JSON.stringify({ tokens: { [BENCH_TOKEN]: { account_id: ROOT_ACCOUNT, descendants } } }));
  return file;
}

async function untilReady(url: string, deadlineMs: number): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (Date.now() < end) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      /* not listening yet */
    }
    await sleep(100);
  }
  throw new Error(`${url} not ready within ${deadlineMs} ms`);
}

function running(child: ChildProcess, port: number): RunningServer {
  return {
    base: `http://127.0.0.1:${port}`,
    pid: child.pid,
    stop: () => stopChild(child),
    async collectGarbage() {
      const done = nextMessage<{ type: 'gc-done'; heapUsed: number }>(child, 'gc-done', 10_000);
      child.send({ type: 'gc' });
      return (await done).heapUsed;
    },
  };
}

export interface StartOptions {
  /** Accounts the bench token may see (routing scenarios use one per client). */
  accounts: number;
  nodeFlags?: string[];
  logName: string;
}

/**
 * Starts the server process of a system (Web-STOMP and the broker hop need none of their own).
 * @example const server = await startServer('event-horizon', { accounts: 1000, logName: 'eh' });
 */
export async function startServer(kind: ServerKind, opts: StartOptions): Promise<RunningServer> {
  const port = await freePort();
  switch (kind) {
    case 'event-horizon':
    case 'event-horizon-2w': {
      const tokens = writeTokens(opts.accounts);
      const workers = kind === 'event-horizon' ? '1' : '2';
      const args = ['--port', String(port), '--host', '127.0.0.1', '--log-level', process.env['BENCH_EH_LOG_LEVEL'] ?? 'warn', '--tokens-file', tokens, '--amqp-url', AMQP_URL, '--workers', workers, '--admin-token', BENCH_ADMIN_TOKEN];
      const child = forkTs('lib/bounded-server.ts', args, { logName: opts.logName, nodeFlags: ['--expose-gc', ...productionNodeFlags(), ...(opts.nodeFlags ?? [])] });
      const exited = new Promise<never>((_, reject) =>
        child.once('exit', (code) => reject(new Error(`Event Horizon exited (code ${code}) before it was ready; see bench/results/logs/${opts.logName}.log`))),
      );
      exited.catch(() => undefined);
      await Promise.race([untilReady(`http://127.0.0.1:${port}/readyz`, 20_000), exited]);
      return running(child, port);
    }
    case 'native': {
      const child = forkTs('baselines/native-ceiling.ts', ['--port', String(port), '--amqp-url', AMQP_URL], { logName: opts.logName });
      const { pid } = await nextMessage<{ type: 'listening'; pid: number }>(child, 'listening', 60_000);
      return { base: `http://127.0.0.1:${port}`, pid, stop: () => stopChild(child) };
    }
    case 'ceiling':
    case 'plain-sio': {
      const entry = kind === 'ceiling' ? 'baselines/ceiling-ws.ts' : 'baselines/plain-socketio.ts';
      const child = forkTs(entry, ['--port', String(port), '--amqp-url', AMQP_URL], { logName: opts.logName, nodeFlags: ['--expose-gc'] });
      await nextMessage(child, 'listening', 20_000);
      return running(child, port);
    }
    case 'broker':
      return { base: 'http://127.0.0.1:15674', pid: brokerPid(), stop: async () => undefined };
    case 'none':
      return { base: AMQP_URL, pid: undefined, stop: async () => undefined };
  }
}

/** Whether the Event Horizon at `base` answers the Socket.IO 0.9 handshake (the legacy transport exists). */
export async function hasLegacySocketIo(base: string): Promise<boolean> {
  try {
    const res = await fetch(`${base}/socket.io/1/?t=${Date.now()}`);
    return res.ok && /^[^:]+:\d*:\d*:/.test(await res.text());
  } catch {
    return false;
  }
}

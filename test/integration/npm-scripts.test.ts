// The npm scripts as an operator runs them: a signal sent to `npm start` or `npm run cluster` reaches
// the bridge processes, which drain and exit within the shutdown deadline; a busy port stops the cluster.
import { spawn, ChildProcess } from 'node:child_process';
import net from 'node:net';
import WebSocket from 'ws';
import { PROJECT_ROOT } from '../../src/config';
import { newAccountId } from '../helpers/ids';
import { AMQP_URL } from '../helpers/kazoo';
import { ChildOutput } from '../helpers/child-output';
import { pollUntil, waitUntil } from '../helpers/wait';

const REDIS_URL = process.env['EH_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const SHUTDOWN_MS = 3000;

interface NpmRun {
  child: ChildProcess;
  out: () => string;
  onOutput: (cb: () => void) => () => void;
  exited: Promise<number | null>;
}

const started: ChildProcess[] = [];

function npm(args: string[], env: Record<string, string>): NpmRun {
  // Its own process group, so a failed test can still remove everything it started.
  const child = spawn('npm', args, { cwd: PROJECT_ROOT, env: { ...process.env, EH_AMQP_URL: AMQP_URL, EH_SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_MS), ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  started.push(child);
  const output = new ChildOutput(child);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, out: () => output.text, onOutput: output.onChange, exited };
}

afterEach(() => {
  for (const child of started.splice(0)) {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A run of `n` consecutive free ports (the cluster script numbers its nodes from the first). */
async function freePorts(n: number): Promise<number> {
  for (;;) {
    const first = 20000 + Math.floor(Math.random() * 40000);
    const free = await Promise.all(Array.from({ length: n }, (_, i) => canListen(first + i)));
    if (free.every(Boolean)) return first;
  }
}

it('drains and exits when `npm start` itself gets SIGTERM: the client hears 1001, nothing keeps listening', async () => {
  const run = npm(['start'], { EH_PORT: '0', EH_HOST: '127.0.0.1', EH_LOG_LEVEL: 'info' });
  const url = await waitUntil('the demo banner', () => /Demo page:\s+(http:\/\/\S+)\//.exec(run.out())?.[1], run.onOutput, 90000);
  const port = Number(new URL(url).port);
  const ws = new WebSocket(url.replace(/^http/, 'ws') + '/');
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  const sentAt = Date.now();
  process.kill(run.child.pid!, 'SIGTERM');
  expect(await closed).toBe(1001);
  await run.exited;
  expect(Date.now() - sentAt).toBeLessThan(SHUTDOWN_MS + 2000);
  expect(run.out()).toContain('shutting down: draining');
  expect(await listening(port)).toBe(false);
}, 120000);

it('stops every node and the proxy when `npm run cluster` gets SIGTERM', async () => {
  const first = await freePorts(2);
  const proxy = await freePorts(1);
  const run = npm(['run', 'cluster', '--', '2', String(first), String(proxy)], { EH_REDIS_URL: REDIS_URL, EH_REDIS_PREFIX: `eh-test-${newAccountId().slice(0, 8)}` });
  await waitUntil('the cluster banner', () => (run.out().includes('2 nodes on ports') ? true : undefined), run.onOutput, 90000);
  for (const port of [first, first + 1, proxy]) await pollUntil(`:${port} listening`, async () => ((await listening(port)) ? true : undefined), 10000);
  process.kill(run.child.pid!, 'SIGTERM');
  await run.exited;
  expect(run.out()).toContain('cluster: stopped');
  for (const port of [first, first + 1, proxy]) await pollUntil(`:${port} closed`, async () => ((await listening(port)) ? undefined : true), SHUTDOWN_MS + 2000);
}, 120000);

it('refuses to report a cluster when another process holds a node port', async () => {
  const first = await freePorts(2);
  const proxy = await freePorts(1);
  const holder = net.createServer((s) => s.destroy());
  await new Promise<void>((resolve) => holder.listen(first, resolve));
  try {
    const run = npm(['run', 'cluster', '--', '2', String(first), String(proxy)], { EH_REDIS_URL: REDIS_URL, EH_REDIS_PREFIX: `eh-test-${newAccountId().slice(0, 8)}` });
    expect(await run.exited).not.toBe(0);
    expect(run.out()).toContain(`cluster: port ${first} is already in use by another process`);
    expect(run.out()).not.toContain('nodes on ports');
  } finally {
    holder.close();
  }
}, 60000);

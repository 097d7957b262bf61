// Real bridge processes for cluster tests (`node --import tsx src/main.ts --port 0`), each read back from its JSON log,
// and a private redis-server the test may kill and restart without touching the shared one.
import { spawn, ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/config';
import { newAccountId, newToken } from './ids';
import { AMQP_URL } from './kazoo';
import { ChildOutput } from './child-output';

const MAIN = path.join(PROJECT_ROOT, 'src', 'main.ts');

/**
 * Runs a command as a child and dies with it; a line on stdin names a signal to send it, and stdin's
 * end (the test runner died) kills it, so no node or redis-server outlives an interrupted run.
 */
const GUARD = `
const child = require('child_process').spawn(process.argv[1], process.argv.slice(2), { stdio: ['ignore', 'inherit', 'inherit'] });
let buf = '';
process.stdin.on('data', (d) => {
  buf += d;
  for (let i = buf.indexOf('\\n'); i >= 0; i = buf.indexOf('\\n')) { const sig = buf.slice(0, i); buf = buf.slice(i + 1); try { child.kill(sig); } catch {} }
});
process.stdin.on('end', () => child.kill('SIGKILL'));
child.on('exit', (code, signal) => process.exit(code ?? (signal === 'SIGKILL' ? 137 : 1)));
`;

/** Spawns `command` under the guard: signals go through {@link signal}. */
function guarded(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): ChildProcess {
  return spawn(process.execPath, ['-e', GUARD, command, ...args], { env, cwd: PROJECT_ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
}

/** Sends a signal to a guarded child's command and waits for it to exit. */
async function signal(child: ChildProcess, sig: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.stdin?.write(`${sig}\n`);
  await exited;
}

/** A free TCP port on 127.0.0.1 (closed again before it is returned). */
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

/**
 * A redis-server owned by the test: no persistence, killable, restartable on the same port.
 * @example const redis = await PrivateRedis.start(); … redis.kill(); await redis.restart(); … await redis.stop();
 */
export class PrivateRedis {
  private child?: ChildProcess;

  private constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async start(): Promise<PrivateRedis> {
    const redis = new PrivateRedis(await freePort());
    await redis.restart();
    return redis;
  }

  /** Starts (again) on the same port; resolves once it accepts connections. */
  async restart(): Promise<void> {
    const child = guarded('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']);
    this.child = child;
    const out = new ChildOutput();
    out.attach(child);
    await out.waitFor('redis-server ready', /Ready to accept connections/, 10000);
  }

  /** SIGKILL: Redis vanishes with everything in it, as a crash would. */
  async kill(): Promise<void> {
    if (this.child) await signal(this.child, 'SIGKILL');
  }

  async stop(): Promise<void> {
    await this.kill();
  }
}

/** One bridge process. */
export class NodeProcess {
  readonly output = new ChildOutput();
  /** The exit code; 137 after SIGKILL. */
  readonly exited: Promise<number | null>;
  url = '';

  constructor(readonly child: ChildProcess) {
    this.output.attach(child);
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  get port(): number {
    return Number(new URL(this.url).port);
  }

  async kill(sig: NodeJS.Signals = 'SIGKILL'): Promise<number | null> {
    await signal(this.child, sig);
    return this.exited;
  }
}

export interface ClusterOptions {
  redisUrl: string;
  /** Cluster name: the Redis prefix, so tests on a shared Redis never meet. */
  prefix: string;
  adminToken: string;
  /** Extra env vars for every node. */
  env?: Record<string, string>;
}

/**
 * N bridge processes on free ports sharing RabbitMQ, one Redis and one tokens file.
 * @example const cluster = TestCluster.prepare({ redisUrl, prefix, adminToken }); const alice = cluster.addIdentity(); await cluster.startNodes(3);
 */
export class TestCluster {
  readonly nodes: NodeProcess[] = [];
  private readonly tokens: Record<string, { account_id: string; descendants: string[] }> = {};

  private constructor(private readonly dir: string, readonly tokensFile: string, private readonly opts: ClusterOptions) {}

  /** A cluster with no node yet: add identities first, then {@link startNodes}. */
  static prepare(opts: ClusterOptions): TestCluster {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eh-cluster-'));
    const cluster = new TestCluster(dir, path.join(dir, 'tokens.json'), opts);
    cluster.writeTokens();
    return cluster;
  }

  /** Starts `n` nodes at once and waits until every one listens. */
  async startNodes(n: number): Promise<NodeProcess[]> {
    return Promise.all(Array.from({ length: n }, () => this.addNode()));
  }

  private writeTokens(): void {
    fs.writeFileSync(this.tokensFile, JSON.stringify({ tokens: this.tokens }));
  }

  /** A token for a fresh account in the shared tokens file (nodes started later know it at once). */
  addIdentity(): { token: string; accountId: string } {
    const token = newToken();
    const accountId = newAccountId();
    this.tokens[token] = { account_id: accountId, descendants: [] };
    this.writeTokens();
    return { token, accountId };
  }

  /** Starts one more node and waits until it listens. */
  async addNode(extraEnv: Record<string, string> = {}): Promise<NodeProcess> {
    const env = {
      ...process.env,
      EH_AMQP_URL: AMQP_URL,
      EH_REDIS_URL: this.opts.redisUrl,
      EH_REDIS_PREFIX: this.opts.prefix,
      EH_ADMIN_TOKEN: this.opts.adminToken,
      EH_TOKENS_FILE: this.tokensFile,
      EH_CLUSTER_HEARTBEAT_MS: '300',
      EH_LOG_LEVEL: 'info',
      // One process per node unless a test is about workers (EH_WORKERS defaults to the cores).
      EH_WORKERS: '1',
      ...this.opts.env,
      ...extraEnv,
    };
    const node = await startBridgeProcess(env);
    this.nodes.push(node);
    return node;
  }

  /** Live nodes (not killed). */
  get alive(): NodeProcess[] {
    return this.nodes.filter((n) => n.alive);
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.kill('SIGKILL')));
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * One bridge process (`node --import tsx src/main.ts --port 0`) with `env`, once it listens (with
 * several workers: once every worker serves).
 * @example const machine = await startBridgeProcess({ ...process.env, EH_WORKERS: '2', EH_TOKENS_FILE: file });
 */
export async function startBridgeProcess(env: NodeJS.ProcessEnv, timeoutMs = 30000): Promise<NodeProcess> {
  const child = guarded(process.execPath, ['--import', 'tsx', MAIN, '--port', '0', '--host', '127.0.0.1'], env);
  const node = new NodeProcess(child);
  try {
    const match = await node.output.waitFor('the bridge to listen', /"url":"(http:\/\/[^"]+)"[^\n]*Event Horizon listening/, timeoutMs);
    node.url = match[1]!;
  } catch (err) {
    await node.kill('SIGKILL');
    throw new Error(`${(err as Error).message}; output:\n${node.output.text.slice(-2000)}`);
  }
  return node;
}

// The CLI as an operator meets it: invalid configuration exits 2 naming the setting, --help prints
// the settings, and SIGTERM stops a running bridge cleanly with exit code 0.
import { spawn, ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { PROJECT_ROOT, SETTINGS } from '../../src/config';
import { ChildOutput } from '../helpers/child-output';
import { waitUntil } from '../helpers/wait';

const TSX = path.join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx');
const MAIN = path.join(PROJECT_ROOT, 'src', 'main.ts');

interface Run {
  child: ChildProcess;
  out: () => string;
  exited: Promise<number | null>;
  onOutput: (cb: () => void) => () => void;
}

function runMain(args: string[], env: Record<string, string> = {}): Run {
  const child = spawn(TSX, [MAIN, ...args], { env: { ...process.env, EH_WORKERS: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const output = new ChildOutput(child);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, out: () => output.text, exited, onOutput: output.onChange };
}

it.each([
  [['--port', 'abc'], {}, 'invalid setting --port: must be a number'],
  [[], { EH_AMQP_URL: 'nonsense' }, 'invalid setting EH_AMQP_URL'],
  [['--tokens-file', '/nonexistent/tokens.json'], {}, 'tokens file /nonexistent/tokens.json: ENOENT'],
  [['--realms-file', '/nonexistent/realms.json'], {}, 'realms file /nonexistent/realms.json: ENOENT'],
  [['--auth', 'jwt', '--jwt-public-key', '/nonexistent/public.pem'], {}, 'JWT key file /nonexistent/public.pem: ENOENT'],
  [['--tls-cert', '/nonexistent/cert.pem', '--tls-key', '/nonexistent/key.pem'], {}, 'EH_TLS_CERT file /nonexistent/cert.pem: ENOENT'],
  [['--tls-cert', __filename, '--tls-key', __filename], {}, 'EH_TLS_CERT/EH_TLS_KEY: not a usable certificate and key'],
  [['--frobnicate'], {}, 'unknown option --frobnicate'],
  [[], { EH_TRUSTED_PROXIES: '999.1.1.1' }, 'invalid setting EH_TRUSTED_PROXIES: 999.1.1.1 is not an IP address or CIDR'],
  [[], { EH_TRUSTED_PROXIES: '10.0.0.0/8,10.1.2.3/40' }, 'invalid setting EH_TRUSTED_PROXIES: 10.1.2.3/40 is not an IP address or CIDR'],
  [[], { EH_ALLOWED_ORIGINS: 'notanorigin' }, 'invalid setting EH_ALLOWED_ORIGINS: notanorigin is not an origin'],
  [['--allowed-origins', 'https://portal.example.com/app'], {}, 'invalid setting --allowed-origins: https://portal.example.com/app is not an origin'],
])('exits 2 on invalid configuration %j %j, with one line and no stack', async (args, env, message) => {
  const run = runMain(args, env);
  expect(await run.exited).toBe(2);
  expect(run.out()).toContain(message);
  expect(run.out().trim().split('\n')).toHaveLength(1);
});

it('prints every setting with --help, readable in an 80-column terminal', async () => {
  const run = runMain(['--help']);
  expect(await run.exited).toBe(0);
  for (const s of SETTINGS) expect(run.out()).toContain(`${s.env}, --`);
  expect(run.out()).toContain('EH_AMQP_URL, --amqp-url <value>  (default amqp://guest:guest@127.0.0.1:5672)');
  const widest = Math.max(...run.out().split('\n').map((l) => l.length));
  expect(widest).toBeLessThanOrEqual(80);
  expect(run.out()).not.toContain('`');
});

it('prints the version with --version', async () => {
  const run = runMain(['--version']);
  expect(await run.exited).toBe(0);
  const pkg = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string };
  expect(run.out()).toBe(`event-horizon ${pkg.version}\n`);
});

it('names the setting and the port when the port is busy, with no stack trace', async () => {
  const holder = net.createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  const port = (holder.address() as net.AddressInfo).port;
  try {
    const run = runMain(['--port', String(port), '--host', '127.0.0.1'], { EH_LOG_LEVEL: 'warn' });
    expect(await run.exited).toBe(1);
    expect(run.out()).toContain(`event-horizon: failed to start: port ${port} on 127.0.0.1 is already in use (EH_PORT / --port)`);
    expect(run.out()).not.toMatch(/^\s+at /m);
  } finally {
    holder.close();
  }
}, 30000);

it('warns at start-up about a setting only another auth driver reads', async () => {
  const run = runMain(['--port', '0', '--host', '127.0.0.1'], { EH_LOG_LEVEL: 'info', EH_JWT_ISSUER: 'kazoo', EH_AUTH: 'static' });
  await waitUntil('the listening line', () => run.out().includes('Event Horizon listening') || undefined, run.onOutput, 20000);
  const warning = run.out().split('\n').find((l) => l.includes('EH_JWT_ISSUER is ignored'));
  expect(JSON.parse(warning!)).toMatchObject({ level: 40, msg: 'EH_JWT_ISSUER is ignored: only EH_AUTH=jwt reads it (EH_AUTH is static)' });
  run.child.kill('SIGTERM');
  expect(await run.exited).toBe(0);
}, 30000);

it('starts, answers, prints the demo token in demo mode, and exits 0 on SIGTERM', async () => {
  const run = runMain(['--port', '0', '--host', '127.0.0.1', '--demo', '--log-level', 'info'], { EH_LOG_LEVEL: 'info' });
  const url = await waitUntil('the demo banner', () => /Demo page:\s+(http:\/\/\S+)\//.exec(run.out())?.[1], run.onOutput, 20000);
  expect(run.out()).toContain('Demo token:  demo-token-0123456789abcdef');
  expect((await fetch(`${url}/healthz`)).status).toBe(200);
  const head = await fetch(`${url}/`, { method: 'HEAD' });
  expect(head.status).toBe(200);
  run.child.kill('SIGTERM');
  expect(await run.exited).toBe(0);
}, 30000);

it('runs in demo mode with another auth driver and no tokens file, showing no demo token', async () => {
  const args = ['--port', '0', '--host', '127.0.0.1', '--demo', '--auth', 'crossbar', '--crossbar-url', 'http://127.0.0.1:9/v2', '--tokens-file', '/nonexistent/tokens.json'];
  const run = runMain(args, { EH_LOG_LEVEL: 'warn' });
  const url = await waitUntil('the demo banner', () => /Demo page:\s+(http:\/\/\S+)\//.exec(run.out())?.[1], run.onOutput, 20000);
  expect((await fetch(`${url}/healthz`)).status).toBe(200);
  expect(run.out()).not.toContain('Demo token:');
  run.child.kill('SIGTERM');
  expect(await run.exited).toBe(0);
}, 30000);

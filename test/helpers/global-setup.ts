// Fails the whole run, loudly, when RabbitMQ or Redis cannot be reached: no test skips silently.
// Checks the addresses the tests themselves use (EH_AMQP_URL, EH_TEST_REDIS_URL, else the local defaults).
// Builds the client library's browser bundle first: the bridge serves it to the demo page.
import { execFileSync } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';

const AMQP_URL = process.env['EH_AMQP_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672';
const REDIS_URL = process.env['EH_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';

function reachable(host: string, port: number, timeoutMs = 3000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Host and port of a service URL, with the scheme's default port when the URL names none. */
function address(url: string, defaultPort: number): { host: string; port: number } {
  const u = new URL(url);
  return { host: u.hostname, port: u.port === '' ? defaultPort : Number(u.port) };
}

export default async function globalSetup(): Promise<void> {
  execFileSync(process.execPath, [path.join(__dirname, '..', '..', 'client', 'scripts', 'build.mjs')], { stdio: 'inherit' });
  const services = [
    { name: 'RabbitMQ', ...address(AMQP_URL, 5672) },
    { name: 'Redis', ...address(REDIS_URL, 6379) },
  ];
  const missing: string[] = [];
  for (const s of services) if (!(await reachable(s.host, s.port))) missing.push(`${s.name} at ${s.host}:${s.port}`);
  if (missing.length > 0) {
    throw new Error(`The integration and browser tests need real services and cannot reach: ${missing.join(', ')}. Run scripts/services.sh first.`);
  }
}

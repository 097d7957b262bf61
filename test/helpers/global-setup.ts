// Fails the whole run, loudly, when RabbitMQ or Redis cannot be reached: no test skips silently.
// Builds the client library's browser bundle first: the bridge serves it to the demo page.
import { execFileSync } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';

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

export default async function globalSetup(): Promise<void> {
  execFileSync(process.execPath, [path.join(__dirname, '..', '..', 'client', 'scripts', 'build.mjs')], { stdio: 'inherit' });
  const missing: string[] = [];
  if (!(await reachable('127.0.0.1', 5672))) missing.push('RabbitMQ at 127.0.0.1:5672');
  if (!(await reachable('127.0.0.1', 6379))) missing.push('Redis at 127.0.0.1:6379');
  if (missing.length > 0) {
    throw new Error(`The tests need real services and cannot reach: ${missing.join(', ')}. Run scripts/services.sh first.`);
  }
}

// The native fan-out ceiling's feeder: compiles bench/native/fanout.c on first use (gcc, into the
// gitignored bench/native/build), runs it, consumes RabbitMQ like the other baselines and pipes each
// event to it length-prefixed. Entry point. The C process is the server whose CPU the bench counts;
// this feeder's own CPU (the AMQP consumer) is not in it.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { guardChild, tellParent } from '../lib/child-guard';
import { AmqpSource, argOf } from './amqp-source';

guardChild('native-ceiling');

const NATIVE_DIR = path.resolve(__dirname, '..', 'native');
const SOURCE = path.join(NATIVE_DIR, 'fanout.c');
const BINARY = path.join(NATIVE_DIR, 'build', 'fanout');

/** Builds the binary when it is missing or older than its source. */
function ensureBuilt(): void {
  if (fs.existsSync(BINARY) && fs.statSync(BINARY).mtimeMs >= fs.statSync(SOURCE).mtimeMs) return;
  fs.mkdirSync(path.dirname(BINARY), { recursive: true });
  execFileSync('gcc', ['-O2', '-o', BINARY, SOURCE], { stdio: 'inherit' });
}

async function main(): Promise<void> {
  ensureBuilt();
  const server = spawn(BINARY, [argOf('port', '0')], { stdio: ['pipe', 'pipe', 'inherit'] });
  server.on('exit', (code) => process.exit(code ?? 1));
  process.on('exit', () => server.kill('SIGKILL'));
  await new Promise<void>((resolve) => server.stdout.once('data', () => resolve()));
  const source = await AmqpSource.open(argOf('amqp-url', 'amqp://guest:guest@127.0.0.1:5672'), (content) => {
    const header = Buffer.alloc(4);
    header.writeUInt32BE(content.length);
    server.stdin.write(header);
    server.stdin.write(content);
  });
  // Every event of the bench exchange: the fan-out layout puts every client on one binding anyway.
  await source.acquire('#');
  tellParent({ type: 'listening', pid: server.pid });
  process.on('SIGTERM', () => void source.close().then(() => process.exit(0)));
}

void main();

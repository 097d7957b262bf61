// Soak test (not part of `npm test`): an in-process bridge on the real RabbitMQ under connect / subscribe /
// publish / disconnect churn for `--minutes` (default 10), sampling memory and bookkeeping, reporting leaks.
// `npm run soak [-- --minutes 10 --clients 40]`; exit 1 when something leaked.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import * as amqp from 'amqplib';
import pino from 'pino';
import WebSocket from 'ws';
import { io as ioV4, Socket } from 'socket.io-client';
import { startApp } from '../src/app';
import { loadConfig } from '../src/config';
import { callEvent } from '../src/simulator/kazoo-events';
import { encodeKeyPart } from '../src/bindings/key-encoding';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const MINUTES = arg('minutes', 10);
const CLIENTS = arg('clients', 40);
const RECOVERY_MS = 5000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const gc = (globalThis as { gc?: () => void }).gc;

interface Churner {
  close(abrupt: boolean): void;
  received: number;
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eh-soak-'));
  const accountId = randomBytes(16).toString('hex');
  const token = `soak-${randomBytes(12).toString('hex')}`;
  fs.writeFileSync(path.join(dir, 'tokens.json'), JSON.stringify({ tokens: { [token]: { account_id: accountId, descendants: [] } } }));
  const config = { ...loadConfig([], process.env), port: 0, host: '127.0.0.1', tokensFile: path.join(dir, 'tokens.json'), recoveryWindowMs: RECOVERY_MS, rateLimitPerSecond: 0, maxConnectionsPerIp: 0 };
  const app = await startApp(config, pino({ level: 'warn' }));
  const base = `http://127.0.0.1:${app.port}`;
  const amqpConn = await amqp.connect(config.amqpUrl);
  const channel = await amqpConn.createChannel();
  await channel.assertExchange('callevt', 'topic', { durable: false });

  const bindings = ['call.CHANNEL_CREATE.*', 'call.CHANNEL_ANSWER.*', 'call.*.*', 'call.CHANNEL_DESTROY.*'];
  const subscribe = (i: number) => ({ action: 'subscribe', auth_token: token, request_id: `s${i}`, data: { account_id: accountId, binding: bindings[i % bindings.length] } });
  const live = new Set<Churner>();
  let connects = 0;
  let received = 0;
  let published = 0;

  const connect = (i: number): void => {
    connects++;
    if (i % 2 === 0) {
      const ws = new WebSocket(base.replace('http', 'ws') + '/');
      const c: Churner = { received: 0, close: (abrupt) => (abrupt ? ws.terminate() : ws.close()) };
      ws.on('open', () => ws.send(JSON.stringify(subscribe(i))));
      ws.on('message', () => (c.received++, received++));
      ws.on('error', () => undefined);
      live.add(c);
    } else {
      const socket: Socket = ioV4(base, { transports: ['websocket'], forceNew: true, reconnection: false });
      const c: Churner = { received: 0, close: (abrupt) => (abrupt ? socket.io.engine.close() : socket.close()) };
      socket.on('connect', () => socket.emit('message', subscribe(i)));
      socket.on('message', () => (c.received++, received++));
      live.add(c);
    }
  };

  const samples: Array<{ t: number; heapMiB: number; rssMiB: number; sessions: number; rooms: number; bindings: number; parked: number }> = [];
  const sample = (t: number) => {
    gc?.();
    const m = process.memoryUsage();
    const s = { t, heapMiB: Math.round(m.heapUsed / 1048576), rssMiB: Math.round(m.rss / 1048576), sessions: app.hub.sessions.size, rooms: app.hub.index.roomCount, bindings: app.bus.boundCount, parked: app.recovery.parkedCount };
    samples.push(s);
    process.stdout.write(`${JSON.stringify({ ...s, connects, published, received })}\n`);
  };

  const started = Date.now();
  const end = started + MINUTES * 60_000;
  let round = 0;
  let nextSample = started;
  // Each round (bounded in count by the clock): top up to CLIENTS, publish a few events, drop a quarter.
  while (Date.now() < end) {
    round++;
    while (live.size < CLIENTS) connect(connects);
    await sleep(100);
    for (let k = 0; k < 5; k++) {
      const callId = `${randomBytes(4).toString('hex')}@soak`;
      channel.publish('callevt', `call.CHANNEL_CREATE.${encodeKeyPart(callId)}`, Buffer.from(JSON.stringify(callEvent('CHANNEL_CREATE', accountId, callId))));
      published++;
    }
    await sleep(100);
    let n = 0;
    for (const c of live) {
      if (n++ >= CLIENTS / 4) break;
      c.close(round % 3 === 0); // every third round the drop is abrupt: recovery parks those sessions
      live.delete(c);
    }
    if (Date.now() >= nextSample) {
      sample(Math.round((Date.now() - started) / 1000));
      nextSample += 30_000;
    }
  }
  for (const c of live) c.close(false);
  live.clear();
  // Past the recovery window every parked session must be gone, with its rooms and broker bindings.
  await sleep(RECOVERY_MS + 3000);
  sample(Math.round((Date.now() - started) / 1000));
  const last = samples[samples.length - 1]!;
  const warm = samples[Math.min(1, samples.length - 1)]!;
  const leaks: string[] = [];
  if (last.sessions !== 0) leaks.push(`${last.sessions} sessions left`);
  if (last.rooms !== 0) leaks.push(`${last.rooms} rooms left`);
  if (last.bindings !== 0) leaks.push(`${last.bindings} AMQP bindings left`);
  if (last.parked !== 0) leaks.push(`${last.parked} parked sessions left`);
  if (last.heapMiB - warm.heapMiB > 64) leaks.push(`heap grew ${last.heapMiB - warm.heapMiB} MiB after warm-up`);
  process.stdout.write(
    `\nsoak: ${MINUTES} min, ${round} rounds, ${connects} connections, ${published} events published, ${received} messages received; ` +
      `heap ${warm.heapMiB} → ${last.heapMiB} MiB${gc ? ' (after gc)' : ' (run with --expose-gc for exact numbers)'}\n` +
      (leaks.length ? `LEAKS: ${leaks.join('; ')}\n` : 'no leaks: sessions, rooms, bindings and parked sessions back to 0\n'),
  );
  await amqpConn.close();
  await app.stop();
  fs.rmSync(dir, { recursive: true, force: true });
  process.exit(leaks.length ? 1 : 0);
}

main().catch((err) => {
  process.stderr.write(`soak failed: ${(err as Error).stack}\n`);
  process.exit(1);
});

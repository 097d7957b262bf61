// Compares, in one run on one machine, the two engines the cluster could keep its shared event history
// in: Redis Streams (one stream per account, written by the nodes through RedisHistory) and a RabbitMQ
// stream queue bound to an exchange (written by the broker, one stream for every account). Measures
// append throughput, the latency of the read a resume does, and what each keeps in memory / on disk.
// `npx tsx bench/history-engines.ts [--events=20000] [--accounts=10]`; prints Markdown rows.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import amqp from 'amqplib';
import { createClient } from 'redis';
import { eventId, RedisHistory } from '../src/cluster/redis-history';
import type { RedisClient } from '../src/cluster/redis-link';
import { callEvent, callRoutingKey, freshCallId } from '../src/simulator/kazoo-events';
import { AMQP_URL, ensureBenchVhost } from './lib/broker';

const arg = (name: string, fallback: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const EVENTS = arg('events', 20_000);
const ACCOUNTS = arg('accounts', 10);
const REPEATS = arg('repeats', 10);
const REDIS_URL = process.env['EH_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const tag = randomBytes(4).toString('hex');

interface Event {
  accountId: string;
  routingKey: string;
  body: string;
  envelope: string;
}

function events(): Event[] {
  const accounts = Array.from({ length: ACCOUNTS }, () => randomBytes(16).toString('hex'));
  return Array.from({ length: EVENTS }, (_, i) => {
    const accountId = accounts[i % ACCOUNTS]!;
    const callId = freshCallId();
    const body = JSON.stringify({ ...callEvent('CHANNEL_CREATE', accountId, callId), bench_seq: i });
    const routingKey = callRoutingKey('CHANNEL_CREATE', callId);
    const envelope = JSON.stringify({ action: 'event', subscribed_key: 'call.*.*', subscription_key: 'call.*.*', name: 'CHANNEL_CREATE', routing_key: routingKey, data: JSON.parse(body) as unknown });
    return { accountId, routingKey, body, envelope };
  });
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))]!;
}

const ms = (n: number) => n.toFixed(n < 10 ? 2 : 1);

interface Row {
  engine: string;
  appendPerS: number;
  readP50: number;
  readMax: number;
  readCount: number;
  scanned: number;
  memory: string;
}

let duplicatePerS = 0;

async function redisRun(list: Event[]): Promise<Row> {
  const client = createClient({ url: REDIS_URL }) as RedisClient;
  await client.connect();
  const prefix = `eh-bench-hist-${tag}`;
  const history = new RedisHistory({ client, prefix, nodeTag: 'bench', windowMs: 600_000, maxEvents: EVENTS });
  try {
    const started = process.hrtime.bigint();
    const ids: string[] = new Array<string>(list.length);
    await Promise.all(list.map((e, i) => history.append({ accountId: e.accountId, room: `${e.accountId}/call.*.*`, envelope: e.envelope, name: 'CHANNEL_CREATE', payload: e.body, event: eventId(e.routingKey, e.body) }).then((id) => (ids[i] = id))));
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    // A second node routing the same events: every append finds the entry the first one wrote.
    const second = new RedisHistory({ client, prefix, nodeTag: 'bench-2', windowMs: 600_000, maxEvents: EVENTS });
    const again = process.hrtime.bigint();
    await Promise.all(list.map((e) => second.append({ accountId: e.accountId, room: `${e.accountId}/call.*.*`, envelope: e.envelope, name: 'CHANNEL_CREATE', payload: e.body, event: eventId(e.routingKey, e.body) })));
    duplicatePerS = list.length / (Number(process.hrtime.bigint() - again) / 1e9);
    // A resume of the first account from the middle of its events.
    const account = list[0]!.accountId;
    const own = list.map((e, i) => ({ e, i })).filter(({ e }) => e.accountId === account);
    const from = ids[own[Math.floor(own.length / 2)]!.i]!;
    const room = new Set([`${account}/call.*.*`]);
    const times: number[] = [];
    let count = 0;
    for (let r = 0; r < REPEATS; r++) {
      const t0 = process.hrtime.bigint();
      count = (await history.readAfter(account, from, room)).entries.length;
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    let bytes = 0;
    for (const key of await client.keys(`${prefix}:hist:*`)) bytes += (await client.memoryUsage(key, { SAMPLES: 0 })) ?? 0;
    const hitKeys = await client.keys(`${prefix}:hid:*`);
    const perHitKey = (await client.memoryUsage(hitKeys[0]!)) ?? 0;
    const total = bytes + perHitKey * hitKeys.length;
    return { engine: 'Redis Streams (RedisHistory, per account)', appendPerS: list.length / seconds, readP50: percentile(times, 0.5), readMax: Math.max(...times), readCount: count, scanned: count, memory: `${(total / 1024 / 1024).toFixed(1)} MB in RAM (${Math.round(total / list.length)} B/event incl. dedupe key)` };
  } finally {
    const keys = await client.keys(`${prefix}:*`);
    if (keys.length > 0) await client.del(keys);
    await client.close();
  }
}

function streamDirBytes(queue: string): string {
  try {
    const out = execFileSync('bash', ['-c', `du -sb /var/lib/rabbitmq/mnesia/*/stream/*${queue}* 2>/dev/null | awk '{s+=$1} END {print s}'`], { encoding: 'utf8' }).trim();
    return out ? `${(Number(out) / 1024 / 1024).toFixed(1)} MB on disk` : 'on disk (size not readable here)';
  } catch {
    return 'on disk (size not readable here)';
  }
}

async function rabbitRun(list: Event[]): Promise<Row> {
  ensureBenchVhost();
  const conn = await amqp.connect(AMQP_URL);
  const ch = await conn.createConfirmChannel();
  const exchange = `eh-bench-hist-${tag}`;
  const queue = `eh-bench-hist-${tag}`;
  try {
    await ch.assertExchange(exchange, 'topic', { durable: false, autoDelete: true });
    await ch.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': 'stream', 'x-max-age': '10m', 'x-stream-max-segment-size-bytes': 8_000_000 } });
    await ch.bindQueue(queue, exchange, '#');
    const started = process.hrtime.bigint();
    // The broker writes what KAZOO publishes: the history costs the publisher's confirms, nothing more.
    for (const e of list) ch.publish(exchange, e.routingKey, Buffer.from(e.body), { headers: { account: e.accountId } });
    await ch.waitForConfirms();
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    // The same resume: the first account from the middle of its events. The stream holds every
    // account, so the read starts at that offset and filters every message after it.
    const account = list[0]!.accountId;
    const own = list.map((e, i) => ({ e, i })).filter(({ e }) => e.accountId === account);
    const lastSeen = own[Math.floor(own.length / 2)]!.i;
    const fromOffset = lastSeen + 1;
    const times: number[] = [];
    let count = 0;
    let scanned = 0;
    for (let r = 0; r < REPEATS; r++) {
      const t0 = process.hrtime.bigint();
      const reader = await conn.createChannel();
      await reader.prefetch(2000);
      count = 0;
      scanned = 0;
      await new Promise<void>((resolve, reject) => {
        const expectLast = list.length - 1;
        reader
          .consume(queue, (msg) => {
            if (!msg) return;
            scanned++;
            const headers = msg.properties.headers as Record<string, unknown>;
            const offset = Number(headers['x-stream-offset']);
            // A resume reads every message from the offset on and keeps its account's ones after its position.
            const seq = (JSON.parse(msg.content.toString()) as { bench_seq: number }).bench_seq;
            if (seq > lastSeen && headers['account'] === account) count++;
            reader.ack(msg);
            if (offset >= expectLast) resolve();
          }, { noAck: false, arguments: { 'x-stream-offset': fromOffset } })
          .catch(reject);
      });
      await reader.close();
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    return { engine: 'RabbitMQ stream queue (one, bound with #)', appendPerS: list.length / seconds, readP50: percentile(times, 0.5), readMax: Math.max(...times), readCount: count, scanned, memory: streamDirBytes(queue) };
  } finally {
    await ch.deleteQueue(queue).catch(() => undefined);
    await conn.close().catch(() => undefined);
  }
}

async function main(): Promise<void> {
  const list = events();
  const rows = [await redisRun(list), await rabbitRun(list)];
  const date = new Date().toISOString().slice(0, 16).replace('T', ' ');
  process.stdout.write(`Shared history engines, ${date} UTC, ${EVENTS} events of ${Math.round(list[0]!.envelope.length / 100) / 10} KB over ${ACCOUNTS} accounts, resume of one account from the middle of its events (${REPEATS} reads)\n\n`);
  process.stdout.write('| engine | append (events/s, to confirmed) | resume read p50 / max (ms) | events returned | messages read | kept |\n|---|---:|---:|---:|---:|---|\n');
  for (const r of rows) process.stdout.write(`| ${r.engine} | ${Math.round(r.appendPerS).toLocaleString('en-US')} | ${ms(r.readP50)} / ${ms(r.readMax)} | ${r.readCount} | ${r.scanned} | ${r.memory} |\n`);
  process.stdout.write(`\nRedis, a second node appending the same events (each one a duplicate): ${Math.round(duplicatePerS).toLocaleString('en-US')} events/s\n`);
  const out = `bench/results/history-engines-${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
  fs.mkdirSync('bench/results', { recursive: true });
  fs.writeFileSync(out, JSON.stringify({ events: EVENTS, accounts: ACCOUNTS, repeats: REPEATS, rows, duplicatePerS }, null, 2));
  process.stdout.write(`\nrows: ${out}\n`);
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    process.stderr.write(`${err.stack ?? err.message}\n`);
    process.exit(1);
  },
);

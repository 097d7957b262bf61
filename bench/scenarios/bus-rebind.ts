// The broker-side rows: how long the node's RabbitMQ bus takes to have 10,000 distinct account
// bindings live again after a reconnection, when the queue survived the cut and when it was lost
// (one binding per account over 1, 16 or 64 channels, or coalesced per shape), next to binding them
// one by one on one channel (the baseline) in the same run. The bindings are the object family's own
// plans for `object.doc_edited.user` of 10,000 accounts. Runs the real AmqpBus in this process,
// behind a TCP proxy the scenario cuts; nothing else runs meanwhile.
import * as amqp from 'amqplib';
import pino from 'pino';
import { AmqpBus } from '../../src/bus/amqp-bus';
import type { AmqpBinding } from '../../src/bindings/family';
import { objectFamily } from '../../src/bindings/families/object';
import { TcpProxy } from '../../test/helpers/tcp-proxy';
import { AMQP_URL, BENCH_VHOST, brokerPid } from '../lib/broker';
import { settle } from '../lib/settle';
import { cpuMillis } from '../lib/processes';

export interface BusRow {
  scenario: 'rebind' | 'consume' | 'coalesce-cost';
  variant: string;
  /** What was measured, e.g. "10,000 bindings live again". */
  measure: string;
  ms: number;
  /** Per second of the measured work (bindings/s, deliveries/s). */
  perSecond: number;
  /** CPU of this process per item, µs (consume rows). */
  cpuUsPerItem?: number;
  /** The broker's CPU over the measured window, % of one core (re-binding rows). */
  brokerCpuPct?: number;
  /** Time or rate relative to the baseline row of the same group. */
  ratio?: number;
}

const logger = pino({ level: 'silent' });

async function until(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`bench: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** The AMQP bindings of `object.doc_edited.user` for `count` distinct accounts, as the object family plans them. */
export function accountBindings(count: number, salt = 'b'): AmqpBinding[] {
  return Array.from({ length: count }, (_, i) => {
    const account = `${salt}${String(i).padStart(31, '0')}`.slice(0, 32).replace(/[^0-9a-f]/g, 'a');
    const plan = objectFamily.plan(['object', 'doc_edited', 'user'], 'object.doc_edited.user', account);
    if (!plan.ok) throw new Error(plan.error);
    return plan.plan.amqp[0]!;
  });
}

async function deleteQueue(queue: string): Promise<void> {
  const connection = await amqp.connect(AMQP_URL);
  const channel = await connection.createChannel();
  await channel.deleteQueue(queue);
  await connection.close();
}

/**
 * One measurement: a bus with `bindings` account bindings, cut off; `loseQueue` deletes its queue
 * meanwhile (as an expiry or a broker restart would). Returns ms from the new connection to every
 * binding live (the bus's own clock: connection set-up, queue, probe, consumer, binds).
 */
async function restoreAfterCut(bindings: number, bindChannels: number, loseQueue: boolean, coalesceAccounts = 0): Promise<{ ms: number; brokerCpuPct?: number }> {
  const proxy = await TcpProxy.start(5672);
  const bus = new AmqpBus({
    url: `amqp://guest:guest@127.0.0.1:${proxy.port}/${BENCH_VHOST}`,
    exchanges: ['configuration'],
    logger,
    onMessage: () => undefined,
    reconnectInitialDelayMs: 20,
    reconnectMaxDelayMs: 100,
    bindChannels,
    coalesceAccounts,
  });
  try {
    await bus.start();
    const all = accountBindings(bindings);
    await Promise.all(all.map((b) => bus.acquire(b)));
    // Coalescing moves the first accounts from their own bindings to the shape once the broker confirmed it.
    const expected = coalesceAccounts > 0 ? 1 : bindings;
    await until('the bindings to settle', () => bus.ready && bus.boundCount === expected, 60_000);
    const reconnects = bus.reconnects;
    proxy.setRefusing(true);
    proxy.cutAll();
    await until('the bus to notice the cut', () => bus.reconnects > reconnects, 30_000);
    if (loseQueue) await deleteQueue(bus.queueName!);
    // The broker drops a deleted queue's bindings in the background: measure re-binding, not that.
    const broker = brokerPid();
    if (broker !== undefined) await settle({ pids: [broker], quietPct: 15, maxMs: 20_000 });
    const cpuBefore = broker === undefined ? undefined : cpuMillis(broker);
    const t0 = Date.now();
    proxy.setRefusing(false);
    await until('every binding live again', () => bus.ready, 120_000);
    const wall = Date.now() - t0;
    if (bus.boundCount !== expected) throw new Error(`bench: ${bus.boundCount} broker bindings live, expected ${expected}`);
    const brokerCpuPct = broker === undefined || cpuBefore === undefined ? undefined : Math.round(((cpuMillis(broker) - cpuBefore) / Math.max(1, wall)) * 100);
    return { ms: bus.lastRestoreMs, brokerCpuPct };
  } finally {
    await bus.close();
    await proxy.close();
  }
}

/**
 * The re-binding rows for `bindings` distinct bindings.
 * @example const rows = await rebindRows(10_000, log);
 */
export async function rebindRows(bindings: number, log: (line: string) => void): Promise<BusRow[]> {
  const label = `${bindings.toLocaleString('en-US')} bindings live again`;
  const rows: BusRow[] = [];
  const row = (variant: string, { ms, brokerCpuPct }: { ms: number; brokerCpuPct?: number }) => {
    rows.push({ scenario: 'rebind', variant, measure: label, ms, perSecond: Math.round((bindings / Math.max(1, ms)) * 1000), brokerCpuPct });
    log(`  rebind ${variant}: ${ms} ms, broker CPU ${brokerCpuPct ?? '?'}%`);
  };
  row('queue lost, bind one by one on 1 channel (baseline)', await restoreAfterCut(bindings, 1, true));
  row('queue lost, 16 channels in parallel (default)', await restoreAfterCut(bindings, 16, true));
  row('queue lost, 64 channels in parallel', await restoreAfterCut(bindings, 64, true));
  row('connection cut, queue survived (16 channels)', await restoreAfterCut(bindings, 16, false));
  row('queue lost, coalesced per shape (EH_AMQP_COALESCE_ACCOUNTS=50, default)', await restoreAfterCut(bindings, 16, true, 50));
  const base = rows[0]!.ms;
  for (const r of rows) r.ratio = Math.round((base / Math.max(1, r.ms)) * 10) / 10;
  return rows;
}

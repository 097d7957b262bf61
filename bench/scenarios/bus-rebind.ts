// The broker-side rows: how long the node's RabbitMQ bus takes to have 10,000 distinct account
// bindings live again after a reconnection, when the queue survived the cut and when it was lost,
// next to binding them one by one on one channel (the baseline) in the same run. Runs the real
// AmqpBus in this process, behind a TCP proxy the scenario cuts; nothing else runs meanwhile.
import * as amqp from 'amqplib';
import pino from 'pino';
import { AmqpBus } from '../../src/bus/amqp-bus';
import { TcpProxy } from '../../test/helpers/tcp-proxy';
import { AMQP_URL, BENCH_VHOST, brokerPid } from '../lib/broker';
import { settle } from '../lib/settle';
import { cpuMillis } from '../lib/processes';

export interface BusRow {
  scenario: 'rebind' | 'consume';
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
async function restoreAfterCut(bindings: number, bindChannels: number, loseQueue: boolean): Promise<{ ms: number; brokerCpuPct?: number }> {
  const proxy = await TcpProxy.start(5672);
  const bus = new AmqpBus({
    url: `amqp://guest:guest@127.0.0.1:${proxy.port}/${BENCH_VHOST}`,
    exchanges: ['conference'],
    logger,
    onMessage: () => undefined,
    reconnectInitialDelayMs: 20,
    reconnectMaxDelayMs: 100,
    bindChannels,
  });
  try {
    await bus.start();
    const all = Array.from({ length: bindings }, (_, i) => ({ exchange: 'conference', routingKey: `conference.event.*.bench${String(i).padStart(27, '0')}.*` }));
    await Promise.all(all.map((b) => bus.acquire(b)));
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
    if (bus.boundCount !== bindings) throw new Error(`bench: ${bus.boundCount} of ${bindings} bindings live`);
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
  const base = rows[0]!.ms;
  for (const r of rows) r.ratio = Math.round((base / Math.max(1, r.ms)) * 10) / 10;
  return rows;
}

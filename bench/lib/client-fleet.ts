// A load-generator child: holds many lean clients of one protocol, counts event frames and their
// publish→receive latency, reports fan-out completion per event, and runs churn loops. Entry point.
// Knows nothing about servers' internals; it speaks their wire protocols only.
import { guardChild, tellParent } from './child-guard';
import { LatencyHistogram, monotonicMicros } from './histogram';
import { LeanClient } from './lean-client';
import type { FleetCommand, FleetReport } from './messages';
import { ReceiptTally } from './receipt-tally';
import { protocolByName } from './wire-protocols';

guardChild('client-fleet');

const clients: LeanClient[] = [];
const tally = new ReceiptTally();
let completeAtAll = true;
/** Per event sequence number, how many of this fleet's clients got it. */
const perSeq = new Map<number, number>();

const send = (report: FleetReport) => tellParent(report);

function onEvent(frame: Buffer): void {
  const seq = tally.receive(frame);
  if (seq === undefined) return;
  const n = (perSeq.get(seq) ?? 0) + 1;
  if (completeAtAll && n < clients.length) {
    perSeq.set(seq, n);
    return;
  }
  perSeq.delete(seq);
  tally.done(seq);
}

/** Runs `work` over `items` with at most `concurrency` in flight, stopping at the deadline. */
async function pooled<T>(items: T[], concurrency: number, deadline: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length && Date.now() < deadline) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

async function connectAll(cmd: Extract<FleetCommand, { type: 'connect' }>): Promise<void> {
  const started = Date.now();
  const protocol = protocolByName(cmd.protocol, cmd.vhost);
  let failed = 0;
  let firstError: string | undefined;
  await pooled(cmd.specs, cmd.concurrency, started + cmd.deadlineMs, async (spec) => {
    try {
      const client = await LeanClient.connect(protocol, cmd.base, cmd.timeoutMs, cmd.localAddress);
      client.onEvent = onEvent;
      clients.push(client);
      await client.subscribe(spec, cmd.token);
    } catch (err) {
      failed++;
      firstError ??= (err as Error).message;
    }
  });
  const report: FleetReport = { type: 'ready', connected: clients.length, failed, elapsedMs: Date.now() - started };
  if (firstError) report.firstError = firstError;
  send(report);
}

async function churn(cmd: Extract<FleetCommand, { type: 'churn' }>): Promise<void> {
  const protocol = protocolByName(cmd.protocol, cmd.vhost);
  const cycleTimes = new LatencyHistogram();
  const started = Date.now();
  const deadline = started + cmd.durationMs;
  let cycles = 0;
  let failed = 0;
  let firstError: string | undefined;
  const worker = async () => {
    while (Date.now() < deadline && cycles + failed < cmd.maxCycles) {
      const t0 = monotonicMicros();
      let client: LeanClient | undefined;
      try {
        client = await LeanClient.connect(protocol, cmd.base, cmd.timeoutMs);
        await client.subscribe(cmd.spec, cmd.token);
        await client.unsubscribe(cmd.spec, cmd.token);
        await client.close();
        cycles++;
        cycleTimes.record(monotonicMicros() - t0);
      } catch (err) {
        failed++;
        firstError ??= (err as Error).message;
        client?.socket.terminate();
      }
    }
  };
  await Promise.all(Array.from({ length: cmd.concurrency }, worker));
  const report: FleetReport = { type: 'churned', cycles, failed, elapsedMs: Date.now() - started, histogram: cycleTimes.toSparse(), maxUs: cycleTimes.maxUs };
  if (firstError) report.firstError = firstError;
  send(report);
}

process.on('message', (cmd: FleetCommand) => {
  switch (cmd.type) {
    case 'connect':
      void connectAll(cmd);
      break;
    case 'measure':
      // Counters restart; per-event completion counts carry over so events in flight still complete.
      tally.measure(cmd.trackSeq);
      completeAtAll = cmd.completeAt === 'all';
      break;
    case 'report':
      tally.report();
      break;
    case 'count-open':
      send({ type: 'open', open: clients.filter((c) => c.socket.readyState === c.socket.OPEN).length });
      break;
    case 'churn':
      void churn(cmd);
      break;
    case 'close':
      void Promise.all(clients.splice(0).map((c) => c.close())).then(() => {
        send({ type: 'closed' });
        setTimeout(() => process.exit(0), 50);
      });
      break;
  }
});

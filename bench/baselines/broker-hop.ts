// The broker hop alone: a plain amqplib consumer on the same queue shape, timing publish → consume.
// Speaks the client-fleet IPC subset (connect/measure/done/report/close) so scenarios treat it as one more
// receiver; `base` carries the AMQP URL. Entry point; knows nothing of WebSockets.
import { guardChild, tellParent } from '../lib/child-guard';
import { LatencyHistogram, monotonicMicros } from '../lib/histogram';
import type { FleetCommand, FleetReport } from '../lib/messages';
import { stampOf } from '../lib/wire-protocols';
import { AmqpSource } from './amqp-source';

guardChild('broker-hop');

const histogram = new LatencyHistogram();
let received = 0;
let measuring = false;
let trackSeq = false;
let measureStart = 0;
let pendingDone: number[] = [];
let source: AmqpSource | undefined;
const send = (report: FleetReport) => tellParent(report);

/** Windowed runs: every event has one receiver here, so it is complete as soon as it arrives. */
function flushDone(): void {
  if (pendingDone.length === 0) return;
  send({ type: 'done', seqs: pendingDone });
  pendingDone = [];
}

function onContent(content: Buffer): void {
  if (!measuring && !trackSeq) return;
  const { sentUs, seq } = stampOf(content);
  if (measuring) {
    received++;
    if (sentUs > 0) histogram.record(monotonicMicros() - sentUs);
  }
  if (!trackSeq || seq < 0) return;
  if (pendingDone.length === 0) setImmediate(flushDone);
  pendingDone.push(seq);
}

process.on('message', (cmd: FleetCommand) => {
  switch (cmd.type) {
    case 'connect':
      void (async () => {
        const started = Date.now();
        source = await AmqpSource.open(cmd.base, onContent);
        for (const key of new Set(cmd.specs.map((s) => s.binding))) await source.acquire(key);
        send({ type: 'ready', connected: 1, failed: 0, elapsedMs: Date.now() - started });
      })();
      break;
    case 'measure':
      histogram.reset();
      received = 0;
      trackSeq = cmd.trackSeq;
      measuring = true;
      measureStart = Date.now();
      break;
    case 'report':
      measuring = false;
      send({ type: 'stats', received, histogram: histogram.toSparse(), maxUs: histogram.maxUs, elapsedMs: Date.now() - measureStart });
      break;
    case 'close':
      void (source?.close() ?? Promise.resolve()).then(() => {
        send({ type: 'closed' });
        setTimeout(() => process.exit(0), 50);
      });
      break;
    case 'churn':
      break;
  }
});

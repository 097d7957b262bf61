// The broker hop alone: a plain amqplib consumer on the same queue shape, timing publish → consume.
// Speaks the client-fleet IPC subset (connect/measure/report/close) so scenarios treat it as one more
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
let measureStart = 0;
let source: AmqpSource | undefined;
const send = (report: FleetReport) => tellParent(report);

process.on('message', (cmd: FleetCommand) => {
  switch (cmd.type) {
    case 'connect':
      void (async () => {
        const started = Date.now();
        source = await AmqpSource.open(cmd.base, (content) => {
          if (!measuring) return;
          const { sentUs } = stampOf(content);
          received++;
          if (sentUs > 0) histogram.record(monotonicMicros() - sentUs);
        });
        for (const key of new Set(cmd.specs.map((s) => s.binding))) await source.acquire(key);
        send({ type: 'ready', connected: 1, failed: 0, elapsedMs: Date.now() - started });
      })();
      break;
    case 'measure':
      histogram.reset();
      received = 0;
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

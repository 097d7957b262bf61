// The broker hop alone: a plain amqplib consumer on the same queue shape, timing publish → consume.
// Speaks the client-fleet IPC subset (connect/measure/done/report/close) so scenarios treat it as one more
// receiver; `base` carries the AMQP URL. Entry point; knows nothing of WebSockets.
import { guardChild, tellParent } from '../lib/child-guard';
import type { FleetCommand, FleetReport } from '../lib/messages';
import { ReceiptTally } from '../lib/receipt-tally';
import { AmqpSource } from './amqp-source';

guardChild('broker-hop');

const tally = new ReceiptTally();
let source: AmqpSource | undefined;
const send = (report: FleetReport) => tellParent(report);

/** Every event has one receiver here, so it is complete as soon as it arrives. */
function onContent(content: Buffer): void {
  const seq = tally.receive(content);
  if (seq !== undefined) tally.done(seq);
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
      tally.measure(cmd.trackSeq);
      break;
    case 'report':
      tally.report();
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

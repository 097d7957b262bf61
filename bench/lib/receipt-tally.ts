// Owns what a receiving load generator counts: stamped events received while measuring, their
// publish → receive latency, and the batched `done` reports of completed sequence numbers. Shared by
// the client fleet and the broker hop so both measure the same way. No sockets, no AMQP.
import { tellParent } from './child-guard';
import { LatencyHistogram, monotonicMicros } from './histogram';
import type { FleetReport } from './messages';
import { stampOf } from './wire-protocols';

/**
 * @example const tally = new ReceiptTally(); onFrame = (f) => { const seq = tally.receive(f); if (seq !== undefined) tally.done(seq); };
 */
export class ReceiptTally {
  private readonly histogram = new LatencyHistogram();
  private received = 0;
  private measuring = false;
  private measureStart = 0;
  /** Whether completed sequence numbers are reported (windowed runs). */
  trackSeq = false;
  private pendingDone: number[] = [];

  /** Starts a measured window (the `measure` command): counters reset. */
  measure(trackSeq: boolean): void {
    this.histogram.reset();
    this.received = 0;
    this.trackSeq = trackSeq;
    this.measuring = true;
    this.measureStart = Date.now();
  }

  /** Ends the window and sends the `stats` report. */
  report(): void {
    this.measuring = false;
    const report: FleetReport = { type: 'stats', received: this.received, histogram: this.histogram.toSparse(), maxUs: this.histogram.maxUs, elapsedMs: Date.now() - this.measureStart };
    tellParent(report);
  }

  /** Counts one event frame; returns its sequence number when completions are tracked, else undefined. */
  receive(frame: Buffer): number | undefined {
    if (!this.measuring && !this.trackSeq) return undefined;
    const { sentUs, seq } = stampOf(frame);
    if (this.measuring) {
      this.received++;
      if (sentUs > 0) this.histogram.record(monotonicMicros() - sentUs);
    }
    return this.trackSeq && seq >= 0 ? seq : undefined;
  }

  /** Reports `seq` complete, batched with the others completed in the same turn of the event loop. */
  done(seq: number): void {
    if (this.pendingDone.length === 0) setImmediate(() => this.flush());
    this.pendingDone.push(seq);
  }

  private flush(): void {
    if (this.pendingDone.length === 0) return;
    tellParent({ type: 'done', seqs: this.pendingDone });
    this.pendingDone = [];
  }
}

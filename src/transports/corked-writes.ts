// Owns batching the fan-out's direct writes to client sockets: a socket written to several times
// while a burst of broker deliveries is worked off is corked on its first write and flushed (one
// writev) when that burst ends, or sooner when the batch has been held `maxHoldMs`. Knows no protocols.
import { performance } from 'node:perf_hooks';
import type { Duplex } from 'node:stream';

/** How often (in writes) a held batch checks the clock; keeps `performance.now()` off most writes. */
const CLOCK_EVERY = 256;

/**
 * Writes that leave in one system call per socket per burst.
 * @example const writes = new CorkedWrites(); writes.write(socket, frame); // sent when the current tick ends
 */
export class CorkedWrites {
  private readonly corked = new Set<Duplex>();
  private heldSince = 0;
  private writesSinceClock = 0;
  private scheduled = false;

  /** `maxHoldMs`: the longest a write waits for its batch while the event loop is busy. */
  constructor(private readonly maxHoldMs = 2) {}

  /** Queues `chunk` on `wire` behind everything written to it before, in this batch or earlier. */
  write(wire: Duplex, chunk: Buffer): void {
    if (!this.corked.has(wire)) {
      if (this.corked.size === 0) this.startBatch();
      wire.cork();
      this.corked.add(wire);
    }
    wire.write(chunk);
    if (++this.writesSinceClock >= CLOCK_EVERY) {
      this.writesSinceClock = 0;
      if (performance.now() - this.heldSince >= this.maxHoldMs) this.flush();
    }
  }

  /** Sends everything held now. */
  flush = (): void => {
    this.scheduled = false;
    for (const wire of this.corked) wire.uncork();
    this.corked.clear();
  };

  /** Sockets with writes held (for tests and metrics). */
  get held(): number {
    return this.corked.size;
  }

  private startBatch(): void {
    this.heldSince = performance.now();
    this.writesSinceClock = 0;
    if (!this.scheduled) {
      this.scheduled = true;
      process.nextTick(this.flush);
    }
  }
}

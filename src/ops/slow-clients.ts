// Owns the slow-consumer policy: a periodic sweep over every connection that drops the ones whose send
// buffer passed the limit, so one stalled reader costs bounded memory and never delays the others.
import type { Logger } from 'pino';
import type { Hub } from '../hub/hub';
import type { Session } from '../hub/session';
import type { OpsMetrics } from './metrics';
import { CloseCodes } from '../protocol/close-codes';

export interface SlowClientOptions {
  /** `EH_MAX_BUFFERED_BYTES`: the most one connection may have queued. */
  maxBufferedBytes: number;
  /** How often buffers are checked (ms). */
  intervalMs?: number;
  /** Told before a connection is dropped (recovery marks it resumable). */
  onDrop?: (session: Session) => void;
}

/**
 * Drops connections that cannot keep up (ws close 4008 with a reason text).
 * @example const guard = new SlowClientGuard(hub, metrics, logger, { maxBufferedBytes: 1 << 20 }); … guard.close();
 */
export class SlowClientGuard {
  private readonly timer: NodeJS.Timeout;
  private readonly dropping = new WeakSet<object>();
  /** Connections dropped as too slow since start. */
  dropped = 0;

  constructor(private readonly hub: Hub, private readonly metrics: OpsMetrics, private readonly logger: Logger, private readonly opts: SlowClientOptions) {
    this.timer = setInterval(() => this.sweep(), opts.intervalMs ?? 100);
    this.timer.unref();
  }

  /** One pass over every open connection; returns how many were dropped. */
  sweep(): number {
    const limit = this.opts.maxBufferedBytes;
    let n = 0;
    for (const session of this.hub.sessions) {
      if (session.closed || this.dropping.has(session)) continue;
      const bytes = session.transport.bufferedBytes();
      if (bytes <= limit) continue;
      n++;
      this.dropping.add(session);
      const generation = session.transport.label;
      this.logger.warn({ session: session.id, generation, buffered: bytes, limit }, 'client too slow: send buffer full; closing');
      this.metrics.countDisconnect('slow_client', generation);
      this.opts.onDrop?.(session);
      session.transport.drop(CloseCodes.tooSlow, `too slow: more than ${limit} bytes waiting to be sent`);
    }
    this.dropped += n;
    return n;
  }

  close(): void {
    clearInterval(this.timer);
  }
}

// Owns rate-limited logging of a repeating problem: the first occurrence is logged at once, later ones
// at most once per interval with how many were not logged in between. Knows time and pino only.
import type { Logger } from 'pino';

export interface LogThrottleOptions {
  logger: Logger;
  level: 'warn' | 'error' | 'info';
  /** At most one line per this many milliseconds. */
  intervalMs: number;
  now?: () => number;
}

/**
 * @example const down = new LogThrottle({ logger, level: 'warn', intervalMs: 30_000 }); down.log({ url, cause }, 'Crossbar unreachable');
 */
export class LogThrottle {
  private lastAt = -Infinity;
  private suppressed = 0;
  private readonly now: () => number;

  constructor(private readonly opts: LogThrottleOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** Logs `msg` with `fields` unless a line went out less than the interval ago (then counts it). */
  log(fields: Record<string, unknown>, msg: string): boolean {
    const now = this.now();
    if (now - this.lastAt < this.opts.intervalMs) {
      this.suppressed++;
      return false;
    }
    const extra = this.suppressed > 0 ? { suppressed: this.suppressed, suppressedForMs: now - this.lastAt } : {};
    this.lastAt = now;
    this.suppressed = 0;
    this.opts.logger[this.opts.level]({ ...fields, ...extra }, msg);
    return true;
  }
}

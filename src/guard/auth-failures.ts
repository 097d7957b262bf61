// Owns the per-IP count of failed logins and the temporary block that follows too many of them.
// Knows IPs and time only; bounded in memory (old entries are swept, the map has a hard cap). An IPv6
// client counts with its whole /64 (address-group).
import { limitKeyOf } from './address-group';

const MAX_TRACKED_IPS = 100_000;

interface Entry {
  failures: number;
  windowStart: number;
  blockedUntil: number;
}

export interface AuthFailureOptions {
  /** Failures allowed per IP within `blockSeconds`; 0 turns the block off. */
  maxFailures: number;
  /** Length of the counting window and of the block. */
  blockSeconds: number;
  now?: () => number;
}

/**
 * Counts failed logins per IP; `maxFailures` of them within `blockSeconds` block the IP for `blockSeconds`.
 * @example if (failures.blockedFor(ip) > 0) refuse(); … if (failures.record(ip)) log('blocked');
 */
export class AuthFailureTracker {
  private readonly entries = new Map<string, Entry>();
  private readonly now: () => number;

  constructor(private readonly opts: AuthFailureOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** Seconds left on the IP's block, 0 when it is not blocked. */
  blockedFor(ip: string): number {
    const entry = this.entries.get(limitKeyOf(ip));
    if (!entry) return 0;
    const left = entry.blockedUntil - this.now();
    return left > 0 ? Math.ceil(left / 1000) : 0;
  }

  /** Counts one failure; returns true when this failure blocked the IP. */
  record(ip: string): boolean {
    if (this.opts.maxFailures <= 0) return false;
    const now = this.now();
    const windowMs = this.opts.blockSeconds * 1000;
    const key = limitKeyOf(ip);
    let entry = this.entries.get(key);
    if (!entry || now - entry.windowStart >= windowMs) {
      if (!entry && this.entries.size >= MAX_TRACKED_IPS) this.sweep(now, true);
      entry = { failures: 0, windowStart: now, blockedUntil: entry?.blockedUntil ?? 0 };
      this.entries.set(key, entry);
    }
    entry.failures++;
    if (entry.failures < this.opts.maxFailures || entry.blockedUntil > now) return false;
    entry.blockedUntil = now + windowMs;
    return true;
  }

  /** Drops entries whose window and block are over (all of the oldest half when `force`). */
  sweep(now = this.now(), force = false): void {
    const windowMs = this.opts.blockSeconds * 1000;
    for (const [ip, e] of this.entries) {
      if (now - e.windowStart >= windowMs && e.blockedUntil <= now) this.entries.delete(ip);
    }
    if (force && this.entries.size >= MAX_TRACKED_IPS) {
      let drop = this.entries.size / 2;
      for (const ip of this.entries.keys()) {
        if (drop-- <= 0) break;
        this.entries.delete(ip);
      }
    }
  }
}

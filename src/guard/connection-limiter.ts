// Owns the count of open connections per client IP and the cap on it (KAZOO's max_connections_per_ip).
// Knows IPs only: the admission gate and the transports tell it when connections open and close.
// An IPv6 client counts with its whole /64 (address-group).
import { limitKeyOf } from './address-group';

/**
 * Counts connections per IP; `max` 0 means no cap.
 * @example if (!limiter.acquire(ip)) refuse(429); socket.once('close', () => limiter.release(ip));
 */
export class ConnectionLimiter {
  private readonly open = new Map<string, number>();

  constructor(readonly max: number) {}

  /** Whether the IP may open one more connection (no change to the count). */
  allows(ip: string): boolean {
    return this.max <= 0 || this.count(ip) < this.max;
  }

  /** Counts one more connection for the IP; false (and no change) when it is at the cap. */
  acquire(ip: string): boolean {
    if (!this.allows(ip)) return false;
    const key = limitKeyOf(ip);
    this.open.set(key, (this.open.get(key) ?? 0) + 1);
    return true;
  }

  release(ip: string): void {
    const key = limitKeyOf(ip);
    const n = (this.open.get(key) ?? 0) - 1;
    if (n > 0) this.open.set(key, n);
    else this.open.delete(key);
  }

  /** Open connections of one IP (of its /64 for IPv6). */
  count(ip: string): number {
    return this.open.get(limitKeyOf(ip)) ?? 0;
  }
}

// Owns the count of open connections per client IP and the cap on it (KAZOO's max_connections_per_ip).
// Knows IPs only: the admission gate and the transports tell it when connections open and close.

/**
 * Counts connections per IP; `max` 0 means no cap.
 * @example if (!limiter.acquire(ip)) refuse(429); socket.once('close', () => limiter.release(ip));
 */
export class ConnectionLimiter {
  private readonly open = new Map<string, number>();

  constructor(readonly max: number) {}

  /** Whether the IP may open one more connection (no change to the count). */
  allows(ip: string): boolean {
    return this.max <= 0 || (this.open.get(ip) ?? 0) < this.max;
  }

  /** Counts one more connection for the IP; false (and no change) when it is at the cap. */
  acquire(ip: string): boolean {
    if (!this.allows(ip)) return false;
    this.open.set(ip, (this.open.get(ip) ?? 0) + 1);
    return true;
  }

  release(ip: string): void {
    const n = (this.open.get(ip) ?? 0) - 1;
    if (n > 0) this.open.set(ip, n);
    else this.open.delete(ip);
  }

  /** Open connections of one IP. */
  count(ip: string): number {
    return this.open.get(ip) ?? 0;
  }
}

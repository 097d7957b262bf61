// Owns the token bucket arithmetic behind the per-connection message rate limit (KAZOO: 100 tokens, 10/s).
// Pure: time comes in as an argument, so it is tested without clocks or sockets.

/**
 * A bucket that holds at most `capacity` tokens and gains `perSecond` tokens each second.
 * @example const b = new TokenBucket(100, 10, Date.now()); if (!b.take(Date.now())) refuse();
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(private readonly capacity: number, private readonly perSecond: number, now: number) {
    this.tokens = capacity;
    this.last = now;
  }

  /** Takes one token; false when the bucket is empty. */
  take(now: number): boolean {
    const elapsed = Math.max(0, now - this.last) / 1000;
    this.tokens = Math.min(this.capacity, this.tokens + elapsed * this.perSecond);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

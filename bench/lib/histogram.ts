// Owns latency accounting for the benchmark: a fixed-bucket histogram in microseconds that merges
// across processes and yields percentiles. Knows nothing about sockets, servers or AMQP.

/** Bucket width in microseconds; the last bucket collects everything above the range. */
const BUCKET_US = 10;
const BUCKETS = 50_000; // 0 … 500 ms

/** A histogram as it crosses process boundaries: sparse [bucket, count] pairs. */
export type SparseHistogram = Array<[number, number]>;

/**
 * Latency histogram with 10 µs resolution up to 500 ms.
 * @example const h = new LatencyHistogram(); h.record(1234); h.percentile(0.99) // ≈ 1.23 ms
 */
export class LatencyHistogram {
  private readonly counts = new Uint32Array(BUCKETS);
  count = 0;
  maxUs = 0;

  record(us: number): void {
    const bucket = us <= 0 ? 0 : Math.min(BUCKETS - 1, Math.floor(us / BUCKET_US));
    this.counts[bucket]!++;
    this.count++;
    if (us > this.maxUs) this.maxUs = us;
  }

  reset(): void {
    this.counts.fill(0);
    this.count = 0;
    this.maxUs = 0;
  }

  toSparse(): SparseHistogram {
    const out: SparseHistogram = [];
    for (let i = 0; i < BUCKETS; i++) if (this.counts[i]! > 0) out.push([i, this.counts[i]!]);
    return out;
  }

  merge(sparse: SparseHistogram, maxUs = 0): void {
    for (const [bucket, n] of sparse) {
      this.counts[bucket]! += n;
      this.count += n;
    }
    if (maxUs > this.maxUs) this.maxUs = maxUs;
  }

  /** The latency (ms) under which a fraction `q` of samples fall; undefined without samples. */
  percentile(q: number): number | undefined {
    if (this.count === 0) return undefined;
    const rank = Math.ceil(q * this.count);
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return ((i + 0.5) * BUCKET_US) / 1000;
    }
    return this.maxUs / 1000;
  }

  /** p50/p99/p99.9/max in milliseconds, rounded to 0.01 ms. */
  summary(): { p50?: number; p99?: number; p999?: number; max?: number; samples: number } {
    const round = (v: number | undefined) => (v === undefined ? undefined : Math.round(v * 100) / 100);
    return {
      p50: round(this.percentile(0.5)),
      p99: round(this.percentile(0.99)),
      p999: round(this.percentile(0.999)),
      max: round(this.count ? this.maxUs / 1000 : undefined),
      samples: this.count,
    };
  }
}

/** Microseconds on the system-wide monotonic clock, comparable across processes on this machine. */
export function monotonicMicros(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

// Owns latency accounting for the benchmark: a fixed-bucket histogram in microseconds that merges
// across processes and yields percentiles. Knows nothing about sockets, servers or AMQP.

/** Fine tier: 10 µs buckets from 0 to 500 ms, where every healthy latency lands. */
const FINE_US = 10;
const FINE_BUCKETS = 50_000;
const FINE_LIMIT_US = FINE_US * FINE_BUCKETS;
/** Coarse tier: 1 ms buckets from 500 ms to 30 s, so saturated runs show their real queueing delay. */
const COARSE_US = 1000;
const COARSE_BUCKETS = 29_500;
/** The last bucket collects everything at or above 30 s (its percentile reads as the maximum seen). */
const BUCKETS = FINE_BUCKETS + COARSE_BUCKETS + 1;
const LAST = BUCKETS - 1;

/** A histogram as it crosses process boundaries: sparse [bucket, count] pairs (same layout everywhere). */
export type SparseHistogram = Array<[number, number]>;

function bucketOf(us: number): number {
  if (us <= 0) return 0;
  if (us < FINE_LIMIT_US) return Math.floor(us / FINE_US);
  return Math.min(LAST, FINE_BUCKETS + Math.floor((us - FINE_LIMIT_US) / COARSE_US));
}

/** The middle of a bucket in microseconds. */
function middleOf(bucket: number): number {
  if (bucket < FINE_BUCKETS) return (bucket + 0.5) * FINE_US;
  return FINE_LIMIT_US + (bucket - FINE_BUCKETS + 0.5) * COARSE_US;
}

/**
 * Latency histogram: 10 µs resolution up to 500 ms, 1 ms resolution up to 30 s, one overflow bucket.
 * @example const h = new LatencyHistogram(); h.record(1234); h.percentile(0.99) // ≈ 1.23 ms
 */
export class LatencyHistogram {
  private readonly counts = new Uint32Array(BUCKETS);
  count = 0;
  maxUs = 0;

  record(us: number): void {
    this.counts[bucketOf(us)]!++;
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
      this.counts[Math.min(LAST, bucket)]! += n;
      this.count += n;
    }
    if (maxUs > this.maxUs) this.maxUs = maxUs;
  }

  /** The latency (ms) under which a fraction `q` of samples fall; undefined without samples. */
  percentile(q: number): number | undefined {
    if (this.count === 0) return undefined;
    const rank = Math.ceil(q * this.count);
    let seen = 0;
    for (let i = 0; i < LAST; i++) {
      seen += this.counts[i]!;
      // A bucket's middle can exceed the largest sample in it; never report more than was seen.
      if (seen >= rank) return Math.min(middleOf(i), this.maxUs) / 1000;
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

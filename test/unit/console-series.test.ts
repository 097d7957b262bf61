// The console's latency quantiles, read from one interval of the delivery-latency histogram's buckets.
import { quantileMs } from '../../src/console/console-series';

const inf = Number.POSITIVE_INFINITY;

describe('quantileMs', () => {
  it('is null when the interval saw no event', () => {
    expect(quantileMs([{ le: 0.001, count: 0 }, { le: inf, count: 0 }], 0.5)).toBeNull();
  });

  it('interpolates inside the bucket the rank falls in, in milliseconds', () => {
    const buckets = [{ le: 0.001, count: 50 }, { le: 0.01, count: 100 }, { le: inf, count: 100 }];
    expect(quantileMs(buckets, 0.5)).toBeCloseTo(1, 6);
    expect(quantileMs(buckets, 0.99)).toBeCloseTo(1 + 9 * 0.98, 6);
    expect(quantileMs(buckets, 0.25)).toBeCloseTo(0.5, 6);
  });

  it('answers the highest finite bound when the rank is past every bucket', () => {
    expect(quantileMs([{ le: 0.1, count: 1 }, { le: 1, count: 1 }, { le: inf, count: 10 }], 0.99)).toBe(1000);
  });
});

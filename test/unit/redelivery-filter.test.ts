// RedeliveryFilter: a redelivery of an event already handled is dropped once, a redelivery of one
// never handled (lost on its way) is handed on, identical events count one for one.
import { fingerprint, RedeliveryFilter } from '../../src/bus/redelivery-filter';

const fp = (n: number | string) => ({ exchange: 'callevt', routingKey: 'call.CHANNEL_CREATE.x', content: Buffer.from(JSON.stringify({ n })) });

describe('RedeliveryFilter', () => {
  it('hands on every first delivery and drops the redelivery of one already handled', () => {
    const filter = new RedeliveryFilter(10);
    expect([1, 2, 3].map((n) => filter.admit(fp(n), false))).toEqual([true, true, true]);
    filter.nextChannel();
    // 2 and 3 were handled but their acknowledgement was lost; 4 was on its way when the channel died.
    expect([2, 3, 4].map((n) => filter.admit(fp(n), true))).toEqual([false, false, true]);
    expect(filter.admit(fp(5), false)).toBe(true);
  });

  it('counts identical events one for one: one handled copy excuses one redelivered copy', () => {
    const filter = new RedeliveryFilter(10);
    expect(filter.admit(fp('same'), false)).toBe(true);
    filter.nextChannel();
    // Two identical events redelivered: the first was handled, the second never arrived.
    expect(filter.admit(fp('same'), true)).toBe(false);
    expect(filter.admit(fp('same'), true)).toBe(true);
  });

  it('drops an event redelivered twice (two cuts in a row) both times', () => {
    const filter = new RedeliveryFilter(10);
    filter.admit(fp(1), false);
    filter.nextChannel();
    expect(filter.admit(fp(1), true)).toBe(false);
    filter.nextChannel();
    expect(filter.admit(fp(1), true)).toBe(false);
  });

  it('never drops a first delivery, even one identical to an event handled just before', () => {
    const filter = new RedeliveryFilter(10);
    filter.admit(fp(1), false);
    expect(filter.admit(fp(1), false)).toBe(true);
  });

  it('forgets what is older than its window, so memory stays bounded', () => {
    const filter = new RedeliveryFilter(3);
    filter.admit(fp(1), false);
    for (const n of [2, 3, 4]) filter.admit(fp(n), false);
    filter.nextChannel();
    expect(filter.admit(fp(1), true)).toBe(true);
    expect(filter.admit(fp(4), true)).toBe(false);
  });

  it('never drops a redelivery matching only a delivery of the same channel', () => {
    const filter = new RedeliveryFilter(10);
    filter.nextChannel();
    expect(filter.admit(fp(7), true)).toBe(true);
    expect(filter.admit(fp(7), true)).toBe(true);
  });

  it('tells exchange, routing key and body apart', () => {
    const body = Buffer.from('{}');
    const all = [
      fingerprint({ exchange: 'a', routingKey: 'b', content: body }),
      fingerprint({ exchange: 'ab', routingKey: '', content: body }),
      fingerprint({ exchange: 'a', routingKey: 'b', content: Buffer.from('{ }') }),
    ];
    expect(new Set(all).size).toBe(3);
  });

  it('hashes no first delivery of a healthy channel, and the window once when the next channel starts', () => {
    const filter = new RedeliveryFilter(4);
    for (let n = 0; n < 100; n++) expect(filter.admit(fp(n), false)).toBe(true);
    expect(filter.hashed).toBe(0);
    filter.nextChannel();
    expect(filter.hashed).toBe(4);
    expect(filter.admit(fp(99), true)).toBe(false);
    expect(filter.admit(fp(95), true)).toBe(true);
    expect(filter.hashed).toBe(6);
  });
});

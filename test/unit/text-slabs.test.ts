// Texts kept outside the heap: what is written reads back the same (any UTF-8, records of several
// strings, records larger than a slab), and a slab is written over only once all its records were released.
import { slabText, TextSlabs, type SlabTexts } from '../../src/recovery/text-slabs';

const texts = (r: SlabTexts, n: number) => Array.from({ length: n }, (_, i) => slabText(r, i));

test('a record of several strings reads back string by string, multi-byte characters included', () => {
  const slabs = new TextSlabs(1024);
  const record = slabs.write(['{"a":1}', 'é€😀', '', 'tail']);
  expect(texts(record, 4)).toEqual(['{"a":1}', 'é€😀', '', 'tail']);
});

test('a record larger than a slab gets a buffer of its own and leaves the shared slab alone', () => {
  const slabs = new TextSlabs(64);
  const small = slabs.write(['x'.repeat(10)]);
  const big = slabs.write(['y'.repeat(500)]);
  expect(slabText(big, 0)).toBe('y'.repeat(500));
  expect(big.slab).not.toBe(small.slab);
  slabs.release(big);
  const next = slabs.write(['z'.repeat(10)]);
  expect(next.slab).toBe(small.slab);
  expect(texts(small, 1)).toEqual(['x'.repeat(10)]);
});

test('held records stay intact while the slabs turn over, and only released slabs are written over', () => {
  const slabs = new TextSlabs(256);
  const held: Array<{ record: SlabTexts; body: string[] }> = [];
  // A window of 20 records, oldest released first, as the history trims: 500 records through 256-byte slabs.
  for (let i = 0; i < 500; i++) {
    const body = [`{"n":${i}}`, `payload-${i}-${'é'.repeat(i % 7)}`];
    held.push({ record: slabs.write(body), body });
    if (held.length > 20) slabs.release(held.shift()!.record);
    for (const { record, body: expected } of held) expect(texts(record, 2)).toEqual(expected);
  }
  // The turnover reused slabs instead of allocating one per fill: only the spares and the current one are kept.
  expect(slabs.held).toBeLessThanOrEqual(5);
});

test('a slab with a record still held is never reused', () => {
  const slabs = new TextSlabs(32);
  const keep = slabs.write(['k'.repeat(20)]);
  const others: SlabTexts[] = [];
  for (let i = 0; i < 50; i++) others.push(slabs.write([`${i}`.padStart(20, '-')]));
  for (const o of others) slabs.release(o);
  for (let i = 0; i < 50; i++) slabs.write([`${i}`.padStart(20, '+')]);
  expect(slabText(keep, 0)).toBe('k'.repeat(20));
});

// Owns keeping texts that must live for seconds (the recovery history's envelopes) outside the
// JavaScript heap: each record is written as UTF-8 into a large buffer (a slab) shared with its
// neighbours, and a slab whose records were all released is written over again. The garbage collector
// then sees one small record per event, and no new buffer while the history turns over. No I/O.

/** A buffer records are written into, and how many of them are still held. */
interface Slab {
  readonly bytes: Buffer;
  live: number;
  /** A record too large for a shared slab got this one to itself: never written over. */
  readonly own: boolean;
}

/** A few strings written side by side; `ends[i]` is the byte offset where string `i` ends. */
export interface SlabTexts {
  readonly slab: Slab;
  readonly start: number;
  readonly ends: readonly number[];
}

/** Empty slabs kept for reuse beyond the one being written (the rest are left to the collector). */
const SPARE_SLABS = 4;

/** The `i`th string of a record that has not been released. */
export function slabText(texts: SlabTexts, i: number): string {
  return texts.slab.bytes.toString('utf8', i === 0 ? texts.start : texts.ends[i - 1], texts.ends[i]);
}

/**
 * Writes records of strings into slabs of `slabBytes`; `release` gives a record's room back.
 * @example const slabs = new TextSlabs(); const t = slabs.write(['a', 'é']); slabText(t, 1); slabs.release(t);
 */
export class TextSlabs {
  private current: Slab | undefined;
  private used = 0;
  private readonly spare: Slab[] = [];

  constructor(private readonly slabBytes = 1 << 20) {}

  write(texts: readonly string[]): SlabTexts {
    let total = 0;
    for (const t of texts) total += Buffer.byteLength(t);
    if (total > this.slabBytes) return writeInto({ bytes: Buffer.allocUnsafeSlow(total), live: 0, own: true }, 0, texts);
    if (!this.current || this.used + total > this.current.bytes.length) this.nextSlab();
    const record = writeInto(this.current!, this.used, texts);
    this.used += total;
    return record;
  }

  /** The record will not be read again: once every record of its slab is released, the slab is reused. */
  release(texts: SlabTexts): void {
    const slab = texts.slab;
    slab.live--;
    if (slab.live === 0 && slab !== this.current && !slab.own && this.spare.length < SPARE_SLABS) this.spare.push(slab);
  }

  /** The slab being written plus the empty spares kept for reuse (for tests: what turnover holds beyond live records). */
  get held(): number {
    return (this.current ? 1 : 0) + this.spare.length;
  }

  private nextSlab(): void {
    const previous = this.current;
    this.current = this.spare.pop() ?? { bytes: Buffer.allocUnsafeSlow(this.slabBytes), live: 0, own: false };
    this.used = 0;
    // A slab filled and released while being written is free as soon as writing moves on.
    if (previous && previous.live === 0 && this.spare.length < SPARE_SLABS) this.spare.push(previous);
  }
}

function writeInto(slab: Slab, start: number, texts: readonly string[]): SlabTexts {
  const ends: number[] = [];
  let at = start;
  for (const t of texts) {
    at += slab.bytes.write(t, at);
    ends.push(at);
  }
  slab.live++;
  return { slab, start, ends };
}

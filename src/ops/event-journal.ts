// Owns the short history of events kept for missed-event recovery: encoded envelopes in arrival order,
// numbered, recorded only for rooms a parked connection holds, trimmed by age, need and a hard cap.
// Keeps the envelopes' JSON alone, never the parsed event, so the cap bounds memory. No sockets.
import type { FanoutBatch, FanoutTarget } from '../hub/fanout';

interface Entry {
  seq: number;
  at: number;
  /** Watched rooms this event reached, and each one's envelope JSON, side by side. */
  rooms: string[];
  envelopes: string[];
}

/**
 * A fan-out target that remembers events for the rooms it is told to watch.
 * @example const journal = new EventJournal(120000, 10000); hub.addTarget(journal); journal.watch(rooms); … journal.since(seq, rooms);
 */
export class EventJournal implements FanoutTarget {
  readonly name = 'recovery-journal';
  /** Number of the last event recorded. */
  seq = 0;
  /** Highest seq dropped by the cap while still needed: a resume from before it is incomplete. */
  evictedUpTo = 0;
  private entries: Entry[] = [];
  private head = 0;
  private readonly watched = new Map<string, number>();
  /** The oldest seq a parked connection still needs (entries at or below it may go). */
  floor = () => this.seq;

  constructor(private readonly windowMs: number, private readonly maxEntries = 10_000) {}

  get size(): number {
    return this.entries.length - this.head;
  }

  /** Starts (count +1) recording events of these rooms. */
  watch(rooms: Iterable<string>): void {
    for (const r of rooms) this.watched.set(r, (this.watched.get(r) ?? 0) + 1);
  }

  /** Stops (count -1) recording events of these rooms. */
  unwatch(rooms: Iterable<string>): void {
    for (const r of rooms) {
      const n = (this.watched.get(r) ?? 0) - 1;
      if (n > 0) this.watched.set(r, n);
      else this.watched.delete(r);
    }
    this.trim(Date.now());
  }

  deliver(batch: FanoutBatch): void {
    if (this.watched.size === 0) return;
    let rooms: string[] | undefined;
    let envelopes: string[] | undefined;
    for (const hit of batch.hits) {
      if (!this.watched.has(hit.room.name)) continue;
      (rooms ??= []).push(hit.room.name);
      (envelopes ??= []).push(hit.envelopeJson);
    }
    if (!rooms || !envelopes) return;
    const now = Date.now();
    this.entries.push({ seq: ++this.seq, at: now, rooms, envelopes });
    this.trim(now);
  }

  /** Encoded envelopes of `rooms` recorded after `afterSeq` (up to `upTo`), in arrival order, one per room hit. */
  since(afterSeq: number, rooms: ReadonlySet<string>, upTo = this.seq): string[] {
    const out: string[] = [];
    for (let i = this.head; i < this.entries.length; i++) {
      const e = this.entries[i]!;
      if (e.seq <= afterSeq) continue;
      if (e.seq > upTo) break;
      for (let r = 0; r < e.rooms.length; r++) if (rooms.has(e.rooms[r]!)) out.push(e.envelopes[r]!);
    }
    return out;
  }

  private trim(now: number): void {
    const oldest = now - this.windowMs;
    const floor = this.floor();
    while (this.head < this.entries.length) {
      const e = this.entries[this.head]!;
      const unneeded = e.seq <= floor || e.at < oldest || this.watched.size === 0;
      const overCap = this.entries.length - this.head > this.maxEntries;
      if (!unneeded && !overCap) break;
      if (!unneeded) this.evictedUpTo = e.seq;
      this.head++;
    }
    if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }
}

// Owns the in-process history driver: events in append order in this process's memory, trimmed by
// age (the recovery window) and by a hard cap (`EH_RECOVERY_MAX_EVENTS`), so recovery takes bounded
// memory at any event rate. Keeps envelopes as JSON text only, never parsed events, and outside the
// JavaScript heap, in reused slabs (src/recovery/text-slabs.ts): held as strings, 10,000 events made every
// young-generation collection copy them (28-36 ms each instead of 6 at 5,000 events/s). No I/O.
import { comparePositions, formatPosition, History, HistoryEvent, HistoryPosition, HistoryRead, NewHistoryEvent, parsePosition } from './history';
import { SlabTexts, slabText, TextSlabs } from './text-slabs';

/** One kept event: its envelopes, then its payload, written in a slab. */
interface StoredEvent {
  readonly position: HistoryPosition;
  readonly at: number;
  readonly rooms: readonly string[];
  readonly name: string;
  readonly texts: SlabTexts;
}

/** The event as readers see it, with only the listed rooms (indexes into its rooms). */
function unpacked(e: StoredEvent, rooms: readonly number[]): HistoryEvent {
  return {
    position: e.position,
    at: e.at,
    name: e.name,
    rooms: rooms.map((r) => e.rooms[r]!),
    envelopes: rooms.map((r) => slabText(e.texts, r)),
    payloadJson: slabText(e.texts, e.rooms.length),
  };
}

export interface MemoryHistoryOptions {
  /** Events older than this are dropped (nobody can resume from before it). */
  windowMs: number;
  /** The most events kept; the oldest go first, and a read from before them is incomplete. */
  maxEvents: number;
}

/**
 * This node's history.
 * @example const history = new MemoryHistory({ windowMs: 120000, maxEvents: 10000 }); const at = history.append(e);
 */
export class MemoryHistory implements History {
  readonly shared = false;
  private entries: StoredEvent[] = [];
  private readonly slabs = new TextSlabs();
  private first = 0;
  private lastMs: number;
  private n = 0;
  /** Positions before this one are another process's (or this one's before it started). */
  private readonly origin: HistoryPosition;
  /** The newest position the cap dropped: reads from before it are incomplete. */
  private evictedUpTo: HistoryPosition;
  private evictedCount = 0;
  private last: HistoryPosition;

  constructor(private readonly opts: MemoryHistoryOptions) {
    this.lastMs = Date.now();
    this.origin = formatPosition(this.lastMs, 0);
    this.evictedUpTo = this.origin;
    this.last = this.origin;
  }

  get size(): number {
    return this.entries.length - this.first;
  }

  get evicted(): number {
    return this.evictedCount;
  }

  append(event: NewHistoryEvent): HistoryPosition {
    // Never behind the last position, whatever the wall clock does.
    this.lastMs = Math.max(this.lastMs, event.at);
    const position = formatPosition(this.lastMs, ++this.n);
    this.entries.push({ position, at: event.at, rooms: event.rooms, name: event.name, texts: this.slabs.write([...event.envelopes, event.payloadJson]) });
    this.last = position;
    this.trim(event.at);
    return position;
  }

  head(): HistoryPosition {
    return this.last;
  }

  readAfter(position: HistoryPosition, rooms: ReadonlySet<string>): Promise<HistoryRead> {
    return Promise.resolve(this.readAfterNow(position, rooms));
  }

  /** The same read, answered at once (this driver never waits). */
  readAfterNow(position: HistoryPosition, rooms: ReadonlySet<string>): HistoryRead {
    if (!parsePosition(position)) return { events: [], complete: false };
    const complete = comparePositions(position, this.evictedUpTo) >= 0 && comparePositions(position, this.origin) >= 0 && comparePositions(position, this.head()) <= 0;
    const events: HistoryEvent[] = [];
    for (let i = this.first; i < this.entries.length; i++) {
      const e = this.entries[i]!;
      if (comparePositions(e.position, position) <= 0) continue;
      const at: number[] = [];
      for (let r = 0; r < e.rooms.length; r++) if (rooms.has(e.rooms[r]!)) at.push(r);
      if (at.length > 0) events.push(unpacked(e, at));
    }
    return { events, complete };
  }

  close(): Promise<void> {
    this.entries = [];
    this.first = 0;
    return Promise.resolve();
  }

  private trim(now: number): void {
    const oldest = now - this.opts.windowMs;
    while (this.first < this.entries.length) {
      const e = this.entries[this.first]!;
      const overCap = this.entries.length - this.first > this.opts.maxEvents;
      if (!overCap && e.at >= oldest) break;
      if (overCap) {
        this.evictedUpTo = e.position;
        this.evictedCount++;
      }
      this.slabs.release(e.texts);
      this.first++;
    }
    if (this.first > 1024 && this.first * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.first);
      this.first = 0;
    }
  }
}

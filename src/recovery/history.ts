// Owns the history interface missed-event recovery reads from: append an event, read the events of
// some rooms after a position. Drivers implement it (in-process today; a shared store across nodes may
// follow); positions are `<ms>-<n>` texts, ordered by time then number, meaningful on any node.
// Knows no transports and no wire formats: an event is kept as its envelopes and its named payload.

/** Where an event sits in a history: `<milliseconds since the epoch>-<number>`, e.g. `1733230000000-42`. */
export type HistoryPosition = string;

/** One event as a history keeps it. */
export interface HistoryEvent {
  /** Given by the driver at append. */
  readonly position: HistoryPosition;
  /** When it was appended (ms since the epoch). */
  readonly at: number;
  /** The rooms it reached, and each room's envelope JSON, side by side. */
  readonly rooms: readonly string[];
  readonly envelopes: readonly string[];
  /** The event's own name and payload JSON (Socket.IO's named event carries them). */
  readonly name: string;
  readonly payloadJson: string;
}

/** What append takes: the event without its position. */
export type NewHistoryEvent = Omit<HistoryEvent, 'position'>;

/** The events after a position, and whether that is all of them. */
export interface HistoryRead {
  /** In history order; each event's rooms and envelopes narrowed to the rooms asked for. */
  events: HistoryEvent[];
  /** False when some event after the position is gone (over the cap) or the position is not this history's. */
  complete: boolean;
}

/**
 * A history of events for recovery.
 * @example const at = history.append(event); … const { events, complete } = await history.readAfter(at, new Set([room]));
 */
export interface History {
  /**
   * Records one event and returns its position at once (a remote driver gives it locally and may
   * finish writing later). Positions only grow.
   */
  append(event: NewHistoryEvent): HistoryPosition;
  /** The position of the newest event: what a connection that drops now has seen. */
  head(): HistoryPosition;
  /** The events of `rooms` after `position` (not including it). May go to another process. */
  readAfter(position: HistoryPosition, rooms: ReadonlySet<string>): Promise<HistoryRead>;
  /** Whether every node reads the same history (a shared store), so a client may resume on any node. */
  readonly shared: boolean;
  /** Events kept now (for metrics). */
  readonly size: number;
  /** Events dropped by the cap since start (for metrics). */
  readonly evicted: number;
  close(): Promise<void>;
}

/**
 * A position as its two numbers, or undefined when the text is none.
 * @example parsePosition('1733230000000-42') // [1733230000000, 42]
 */
export function parsePosition(position: string): [number, number] | undefined {
  const match = /^(\d{1,15})-(\d{1,15})$/.exec(position);
  return match ? [Number(match[1]), Number(match[2])] : undefined;
}

/**
 * Orders two valid positions: negative when `a` comes first, 0 when equal, positive after.
 * @example comparePositions('5-1', '5-2') // -1
 */
export function comparePositions(a: HistoryPosition, b: HistoryPosition): number {
  const [am, an] = parsePosition(a) ?? [0, 0];
  const [bm, bn] = parsePosition(b) ?? [0, 0];
  return am !== bm ? Math.sign(am - bm) : Math.sign(an - bn);
}

/**
 * Makes a position from its numbers.
 * @example formatPosition(1733230000000, 42) // '1733230000000-42'
 */
export function formatPosition(ms: number, n: number): HistoryPosition {
  return `${ms}-${n}`;
}

/**
 * The position just before `position`: reading after it includes the event at `position` itself.
 * @example positionBefore('5-2') // '5-1'
 */
export function positionBefore(position: HistoryPosition): HistoryPosition {
  const [ms, n] = parsePosition(position) ?? [0, 0];
  return n > 0 ? formatPosition(ms, n - 1) : formatPosition(Math.max(0, ms - 1), Number.MAX_SAFE_INTEGER);
}

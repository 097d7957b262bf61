// Owns parked connections: a connection that dropped unexpectedly keeps its subscriptions for
// `EH_RECOVERY_WINDOW_MS` under a key its client can name again (a resume token it was given, or the id
// its transport keeps across a reconnection). The hub asks it on every close. No I/O, no wire format.
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Session } from '../hub/session';
import type { HistoryPosition } from './history';
import type { History } from './history';
import type { HistoryRecorder } from './recorder';

/** One parked connection. */
export interface Parked {
  readonly session: Session;
  readonly key: string;
  /** The history's head when it dropped: the events after it were missed. */
  readonly closedAt: HistoryPosition;
  readonly rooms: ReadonlySet<string>;
}

interface Entry extends Parked {
  timer: NodeJS.Timeout;
  /** Drops the parked subscriptions (given by the hub). */
  release(): void;
}

/** How a parked connection ended: its window ran out, it was resumed here, another node took it, or this node is leaving. */
export type ParkedEnd = 'expired' | 'taken' | 'claimed' | 'leaving';

/** Told of every close the lot decided on and of every parked connection's end (a cluster keeps records of them). */
export interface ParkingObserver {
  closed(session: Session, parked: boolean, parkingEnabled: boolean): void;
  ended(session: Session, how: ParkedEnd): void;
}

/**
 * What the hub asks when a connection closes.
 * @example new Hub({ …, parking }); // hub.closeSession(s) → parking.park(s, () => drop(s))
 */
export interface ParkingPolicy {
  /** Whether the closed session's subscriptions stay for a while; `release` drops them later. */
  park(session: Session, release: () => void): boolean;
}

/**
 * The parked connections of this node.
 * @example const lot = new ParkingLot({ windowMs, history, recorder, logger }); lot.take(token)?.session;
 */
export class ParkingLot implements ParkingPolicy {
  private readonly parked = new Map<string, Entry>();
  private readonly tokens = new WeakMap<Session, string>();
  private readonly forced = new WeakSet<Session>();
  private readonly observers: ParkingObserver[] = [];
  private enabled: boolean;

  constructor(private readonly opts: { windowMs: number; history: History; recorder: HistoryRecorder; logger: Logger }) {
    this.enabled = opts.windowMs > 0;
  }

  /** Adds an observer of closes and ends. */
  observe(observer: ParkingObserver): void {
    this.observers.push(observer);
  }

  get isEnabled(): boolean {
    return this.enabled;
  }

  get count(): number {
    return this.parked.size;
  }

  /** Stops parking (shutdown: clients reconnect elsewhere) and ends every parked session. */
  disable(): void {
    this.enabled = false;
    for (const key of [...this.parked.keys()]) this.end(key, 'leaving');
  }

  /** Marks a connection the server drops on purpose (too slow) as resumable whatever its close handshake. */
  markResumable(session: Session): void {
    this.forced.add(session);
  }

  /** The resume token of a `by-command` connection (made on first use). */
  tokenOf(session: Session): string {
    let token = this.tokens.get(session);
    if (!token) {
      token = randomBytes(16).toString('hex');
      this.tokens.set(session, token);
    }
    return token;
  }

  park(session: Session, release: () => void): boolean {
    const parked = this.parkHere(session, release);
    for (const o of this.observers) o.closed(session, parked, this.enabled);
    return parked;
  }

  private parkHere(session: Session, release: () => void): boolean {
    const transport = session.transport;
    const resumption = transport.target.resumption;
    if (!this.enabled || session.held.size === 0 || resumption === 'none') return false;
    if (transport.endedByPeer && !this.forced.has(session)) return false;
    const key = resumption === 'by-command' ? this.tokens.get(session) : transport.recoveryKey;
    if (!key) return false;
    this.end(key);
    const rooms = new Set(session.held.keys());
    // `on-reconnect` rooms are kept anyway while a member of them resumes that way (this one still is).
    if (resumption === 'by-command') this.opts.recorder.watch(rooms);
    const timer = setTimeout(() => this.end(key, 'expired'), this.opts.windowMs);
    timer.unref();
    this.parked.set(key, { session, key, closedAt: this.opts.history.head(), rooms, timer, release });
    this.opts.logger.debug({ session: session.id, subscriptions: rooms.size }, 'connection parked for recovery');
    return true;
  }

  /** The parked connection under `key`, left parked. */
  get(key: string): Parked | undefined {
    return this.parked.get(key);
  }

  /** Ends the parked connection under `key` for good: its subscriptions are dropped. */
  end(key: string, how: ParkedEnd = 'taken'): void {
    const entry = this.parked.get(key);
    if (!entry) return;
    this.parked.delete(key);
    clearTimeout(entry.timer);
    entry.release();
    for (const o of this.observers) o.ended(entry.session, how);
    if (entry.session.transport.target.resumption === 'by-command') this.opts.recorder.unwatch(entry.rooms);
  }
}

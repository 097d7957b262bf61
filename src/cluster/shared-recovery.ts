// Owns missed-event recovery across nodes: keeps each resumable session's record in Redis while it lives
// (so a crash leaves it behind), parks it with exact positions when the connection drops, and on a resume
// anywhere takes the record once, subscribes a stand-in to its rooms here, then reads what the client
// missed from the shared history. Knows sessions and the hub, not the wire of any transport.
import type { Logger } from 'pino';
import type { BindingCatalogue } from '../bindings/catalogue';
import type { Hub } from '../hub/hub';
import { Session } from '../hub/session';
import { HolderSession } from './resume-holder';
import { roomName } from '../hub/room-name';
import type { HistoryWriter } from './history-writer';
import { comparePositions, HistoryEntry, RedisHistory } from './redis-history';
import { positionBefore } from '../recovery/history';
import type { RedisLink } from './redis-link';
import { recordName, RecordedSubscription, seal, SessionDirectory, SessionRecord, unseal } from './session-directory';

/** A session taken over on this node: its stand-in (subscribed here) and what its client missed. */
export interface Restored {
  holder: Session;
  record: SessionRecord;
  entries: HistoryEntry[];
  /** False when the cap or the window trimmed some of what the client missed. */
  complete: boolean;
}

export interface SharedRecoveryOptions {
  hub: Hub;
  catalogue: BindingCatalogue;
  link: RedisLink;
  history: RedisHistory;
  writer: HistoryWriter;
  directory: SessionDirectory;
  /** This node's tag in the history (its positions). */
  nodeTag: string;
  windowMs: number;
  /** How long a live session's record outlives its node's last heartbeat (a crash). */
  liveTtlMs: number;
  logger: Logger;
}

/** Reads taken while events for the rooms keep arriving: after this many a resume goes with what it has. */
const MAX_READS = 20;

/**
 * @example
 * const shared = new SharedRecovery(opts); shared.onClaimed((key) => recovery.release(key));
 * shared.remember(session, token); … const restored = await shared.restore(token, { authorize });
 */
export class SharedRecovery {
  /** Live sessions with a record, and its key. */
  private readonly live = new Map<Session, string>();
  /** Parked sessions' keys (their records wait for a resume). */
  private readonly parkedKeys = new Map<Session, string>();
  private readonly pending = new Map<Session, string>();
  private flushTimer?: NodeJS.Immediate;
  /** The token each account was granted on with, per session (from access control's grants). */
  private readonly tokens = new WeakMap<Session, Map<string, string>>();

  constructor(private readonly opts: SharedRecoveryOptions) {}

  /**
   * Calls `listener(session)` when another node took over a session this node parks (it lets its copy go).
   * Claims name the record only; the parked session is found by that name.
   */
  onClaimed(listener: (session: Session) => void): void {
    this.opts.link.subscribe(this.opts.directory.claimChannel, (message) => {
      const space = message.indexOf(' ');
      if (space <= 0 || message.slice(0, space) === this.opts.nodeTag) return;
      const name = message.slice(space + 1);
      for (const [session, key] of this.parkedKeys) if (recordName(key) === name) listener(session);
    });
  }

  /** Access control granted `accountId` to `token` on `session` (the record keeps it for a v4 restore). */
  noteGrant(session: Session, accountId: string, token: string): void {
    let byAccount = this.tokens.get(session);
    if (!byAccount) this.tokens.set(session, (byAccount = new Map()));
    byAccount.set(accountId, token);
  }

  /** Records (soon, once for a burst of subscribes) what a live session holds, under its key. */
  remember(session: Session, key: string): void {
    if (!this.opts.link.up || session.closed) return;
    this.pending.set(session, key);
    this.flushTimer ??= setImmediate(() => {
      this.flushTimer = undefined;
      const batch = [...this.pending];
      this.pending.clear();
      for (const [s, k] of batch) void this.save(s, k);
    });
  }

  private async save(session: Session, key: string): Promise<void> {
    if (session.closed && !this.live.has(session)) return;
    const subscriptions: RecordedSubscription[] = [...session.held.values()].map((h) => ({
      accountId: h.accountId,
      binding: h.binding,
      ...(h.name !== undefined ? { name: h.name } : {}),
      ...(h.metadata !== undefined ? { metadata: h.metadata } : {}),
    }));
    const old = this.live.get(session);
    if (subscriptions.length === 0) {
      this.live.delete(session);
      await this.opts.directory.drop(key).catch(() => undefined);
      return;
    }
    this.live.set(session, key);
    if (old !== undefined && old !== key) void this.opts.directory.drop(old).catch(() => undefined);
    const sid = session.transport.recoveryKey;
    const granted = this.tokens.get(session);
    const tokens = Object.fromEntries(subscriptions.map((s) => [s.accountId, granted?.get(s.accountId) ?? '']).filter(([, t]) => t !== '').map(([a, t]) => [a, seal(key, t!)]));
    const resumption = session.transport.target.resumption === 'on-reconnect' ? ('on-reconnect' as const) : ('by-command' as const);
    const record = { resumption, node: this.opts.nodeTag, subscriptions, tokens, positions: {}, ...(resumption === 'on-reconnect' && sid ? { sid } : {}) };
    await this.opts.directory.save(key, record, this.opts.liveTtlMs).catch((err: Error) => this.opts.logger.debug({ err: err.message }, 'resumable session not recorded'));
  }

  /**
   * The connection dropped and this node parks it: the record gets exact positions and the window.
   * `covered` false: this node is leaving (a drain), so no one may be writing its rooms' history now.
   */
  parked(session: Session, covered = true): void {
    const key = this.live.get(session);
    this.pending.delete(session);
    if (key === undefined) return;
    this.live.delete(session);
    this.parkedKeys.set(session, key);
    if (!this.opts.link.up) return;
    this.opts.directory.park(key, this.opts.windowMs, this.opts.nodeTag, covered).catch(() => undefined);
  }

  /** This node is leaving: a parked session's record stays for a resume elsewhere, marked uncovered. */
  leaving(session: Session): void {
    const key = this.parkedKeys.get(session);
    this.parkedKeys.delete(session);
    if (key !== undefined && this.opts.link.up) this.opts.directory.park(key, this.opts.windowMs, this.opts.nodeTag, false).catch(() => undefined);
  }

  /**
   * The session ends for good (a deliberate close, the window over): its record goes, unless another
   * node took it over (`claimed`: the record is that node's now).
   */
  forget(session: Session, claimed = false): void {
    const key = this.live.get(session) ?? this.parkedKeys.get(session);
    this.live.delete(session);
    this.parkedKeys.delete(session);
    this.pending.delete(session);
    if (!claimed && key !== undefined && this.opts.link.up) this.opts.directory.drop(key).catch(() => undefined);
  }

  /** Keeps the records of this node's live sessions alive (the heartbeat). */
  refresh(): void {
    if (!this.opts.link.up) return;
    this.opts.directory.refresh([...this.live.values()], this.opts.liveTtlMs).catch(() => undefined);
  }

  /**
   * Takes session `key` over on this node. `local` is this node's own parked copy, if it has one
   * (its rooms are held already); `offset` the last Socket.IO offset the client received. Resolves
   * right after the last read, so the caller can move the subscriptions before any event can arrive.
   */
  async restore(
    key: string,
    opts: { local?: (record: SessionRecord) => Session | undefined; offset?: string; authorize(record: SessionRecord): Promise<string | undefined> },
  ): Promise<Restored | { error: string } | undefined> {
    if (!this.opts.link.up) return undefined;
    const peeked = await this.opts.directory.peek(key);
    if (!peeked) return undefined;
    peeked.tokens = Object.fromEntries(Object.entries(peeked.tokens ?? {}).map(([a, t]) => [a, unseal(key, t) ?? '']));
    const accounts = [...new Set(peeked.subscriptions.map((s) => s.accountId))];
    const denied = await opts.authorize(peeked);
    if (denied) return { error: denied };
    const record = await this.opts.directory.claim(key);
    if (!record) return undefined;
    void this.opts.directory.announceClaim(key, this.opts.nodeTag).catch(() => undefined);
    const local = opts.local?.(record);
    const stood = local ? { holder: local, fresh: false } : await this.standIn(record);
    if (typeof stood === 'string') return { error: stood };
    const { holder } = stood;
    const positions = await this.positions(record, accounts, opts.offset);
    // A node that could not write to Redis for a while (an outage) left events out of the history.
    // Asked before the reads: after the last one nothing may wait on I/O.
    const oldest = Object.values(positions).sort(comparePositions)[0];
    const gap = oldest !== undefined && (await this.opts.history.gapAfter(oldest));
    const { entries, complete: kept } = await this.readMissed(holder, positions);
    const complete = kept && !gap;
    // Its node died or left, and this node did not hold the rooms either: what was published since then
    // may have reached no node, so the history cannot vouch for it (`recovered: false`).
    const uncovered = stood.fresh && (!record.parked || record.covered === false);
    return { holder, record, entries, complete: complete && !uncovered };
  }

  /** A session subscribed here to every binding of the record; an error text when one fails. */
  private async standIn(record: SessionRecord): Promise<{ holder: Session; fresh: boolean } | string> {
    const holder = new Session(new HolderSession(record.resumption, record.sid));
    let fresh = false;
    for (const sub of record.subscriptions) {
      const plan = this.opts.catalogue.plan(sub.binding, sub.accountId);
      if (plan.ok && this.opts.hub.index.get(roomName(sub.accountId, plan.plan.requested)) === undefined) fresh = true;
      const failed = plan.ok ? await this.opts.hub.subscribe(holder, sub.accountId, [plan.plan], { ...(sub.name !== undefined ? { name: sub.name } : {}), ...(sub.metadata !== undefined ? { metadata: sub.metadata } : {}) }) : plan.error;
      if (failed) {
        this.opts.hub.unsubscribeAll(holder);
        return failed;
      }
    }
    return { holder, fresh };
  }

  /** Ends a stand-in once its connection took the subscriptions (or the resume failed). */
  release(holder: Session): void {
    this.opts.hub.unsubscribeAll(holder);
  }

  /**
   * Moves every subscription `from` holds to `to` (its rooms exist here already: no broker call, no I/O);
   * an error text when one fails.
   */
  async handOver(from: Session, to: Session): Promise<string | undefined> {
    for (const h of [...from.held.values()]) {
      const plan = this.opts.catalogue.plan(h.binding, h.accountId);
      if (!plan.ok) return plan.error;
      const failed = await this.opts.hub.subscribe(to, h.accountId, [plan.plan], { ...(h.name !== undefined ? { name: h.name } : {}), ...(h.metadata !== undefined ? { metadata: h.metadata } : {}) });
      if (failed) return failed;
    }
    return undefined;
  }

  private async positions(record: SessionRecord, accounts: string[], offset?: string): Promise<Record<string, string>> {
    const positions = { ...record.positions };
    if (!record.parked) {
      // Its node died without parking it: the last events that node appended are the best knowledge.
      const lastOfNode = await this.opts.history.nodePositions(record.node, accounts);
      for (const a of accounts) {
        const p = lastOfNode[a];
        if (p !== undefined && (positions[a] === undefined || comparePositions(p, positions[a]) > 0)) positions[a] = p;
      }
    }
    if (offset !== undefined) {
      // What the client itself says it received last (a Socket.IO offset: its node's own position, then
      // `.k` for the k-th message of that event): exact even for what was written to a dying connection.
      const dot = offset.indexOf('.');
      const local = dot >= 0 ? offset.slice(0, dot) : offset;
      const mapped = /^\d{1,15}-\d{1,15}$/.test(local) ? await this.opts.history.sharedOfLocal(record.node, local) : undefined;
      for (const [a, p] of mapped?.byAccount ?? []) {
        if (!accounts.includes(a)) continue;
        // A bare position is the event's named packet: its messages are still owed.
        positions[a] = mapped!.exact && dot < 0 ? positionBefore(p.first) : p.last;
      }
    }
    return positions;
  }

  private async readMissed(holder: Session, positions: Record<string, string>): Promise<{ entries: HistoryEntry[]; complete: boolean }> {
    const roomsOf = new Map<string, Set<string>>();
    for (const h of holder.held.values()) {
      const set = roomsOf.get(h.accountId) ?? new Set<string>();
      set.add(h.room);
      roomsOf.set(h.accountId, set);
    }
    const rooms = [...holder.held.keys()].map((r) => this.opts.hub.index.get(r)).filter((r) => r !== undefined);
    const cursors = new Map([...roomsOf.keys()].map((a) => [a, positions[a] ?? '0-0']));
    const entries: HistoryEntry[] = [];
    let complete = true;
    let seen = this.opts.writer.appended(rooms);
    for (let read = 0; read < MAX_READS; read++) {
      const results = await Promise.all([...roomsOf].map(([a, set]) => this.opts.history.readAfter(a, cursors.get(a)!, set).then((r) => ({ a, r }))));
      for (const { a, r } of results) {
        entries.push(...r.entries);
        cursors.set(a, r.last);
        if (read === 0) complete &&= r.complete;
      }
      // An event for these rooms reached this node while the read was on its way: it is in Redis now
      // (appended ahead of the next read on the same connection), so read once more.
      const now = this.opts.writer.appended(rooms);
      if (now === seen) break;
      seen = now;
    }
    entries.sort((x, y) => comparePositions(x.id, y.id));
    return { entries, complete };
  }
}

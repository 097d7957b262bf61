// Owns the cluster's shared event history in Redis Streams: one stream per account, one entry per room an
// event reached, written by every node that routed it and kept once (the first writer wins), trimmed by
// age and by the EH_RECOVERY_MAX_EVENTS cap. Knows nothing about sessions, sockets or transports.
import { redisTimeMs } from './redis-clock';
import { createHash } from 'node:crypto';
import type { RedisClient } from './redis-link';

/** One room hit of one event, as the transports need it again on a resume. */
export interface HistoryEntry {
  /** The stream position (`<ms>-<seq>`, Redis's own clock): meaningful on every node. */
  id: string;
  /** `account/binding`, the room the event reached. */
  room: string;
  /** The raw WebSocket / `message` envelope JSON for that room. */
  envelope: string;
  /** The Socket.IO named event (`CHANNEL_CREATE`); '' when the name may not be emitted. */
  name: string;
  /** The named event's payload JSON ('' without a name). */
  payload: string;
  /** The event, the same for each of its rooms: Socket.IO sends the named event once per connection. */
  event: string;
}

/** What a node appends: one room hit. */
export type HistoryHit = Omit<HistoryEntry, 'id'> & { accountId: string };

export interface RedisHistoryOptions {
  client: RedisClient;
  prefix: string;
  /** This node's short tag: its last appended position per account is kept under it (crash recovery). */
  nodeTag: string;
  /** Entries older than this go (EH_RECOVERY_WINDOW_MS). */
  windowMs: number;
  /** The most entries kept per account (EH_RECOVERY_MAX_EVENTS). */
  maxEvents: number;
}

/**
 * KEYS: stream, dedupe key of the hit, this node's position hash.
 * ARGV: window ms, cap, account, room, envelope, name, payload, event.
 * Appends unless an entry for the same room hit is there; either way returns the entry's position and
 * moves the node's position of the account forward to it.
 */
const APPEND = `
local id = redis.call('GET', KEYS[2])
if not id then
  id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', 'r', ARGV[4], 'e', ARGV[5], 'n', ARGV[6], 'p', ARGV[7], 'v', ARGV[8])
  redis.call('SET', KEYS[2], id, 'PX', ARGV[1])
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  local t = redis.call('TIME')
  local oldest = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) - tonumber(ARGV[1])
  if oldest > 0 then redis.call('XTRIM', KEYS[1], 'MINID', '~', tostring(oldest)) end
end
local cur = redis.call('HGET', KEYS[3], ARGV[3])
local function later(a, b)
  local am, as = string.match(a, '(%d+)-(%d+)')
  local bm, bs = string.match(b, '(%d+)-(%d+)')
  am, as, bm, bs = tonumber(am), tonumber(as), tonumber(bm), tonumber(bs)
  return am > bm or (am == bm and as > bs)
end
if not cur or later(id, cur) then redis.call('HSET', KEYS[3], ARGV[3], id) end
redis.call('PEXPIRE', KEYS[3], ARGV[1])
return id
`;

/** A stream position comparison: negative when `a` is before `b`. */
export function comparePositions(a: string, b: string): number {
  const [am = 0, as = 0] = a.split('-').map(Number);
  const [bm = 0, bs = 0] = b.split('-').map(Number);
  return am === bm ? as - bs : am - bm;
}

/**
 * The identity of one room hit, the same on every node that routes the event (so the second writer is
 * recognised): the room and the event's routing key and body as the broker delivered them.
 * @example hitId('acct/call.*.*', eventId('call.CHANNEL_CREATE.x', body)) // 'Qm9…' (22 characters)
 */
export function hitId(room: string, event: string): string {
  return createHash('sha1').update(room).update('\n').update(event).digest('base64url').slice(0, 22);
}

/**
 * The identity of one event: its routing key and body. Two publishes of byte-identical events within the
 * window count as one (KAZOO puts a unique `Msg-ID` in every event).
 * @example eventId('call.CHANNEL_CREATE.x', '{"Call-ID":"x"}')
 */
export function eventId(routingKey: string, body: string): string {
  return createHash('sha1').update(routingKey).update('\n').update(body).digest('base64url').slice(0, 22);
}

type RawEntry = { id: string; message: Record<string, string> };

/**
 * The shared history.
 * @example
 * const history = new RedisHistory({ client: link.commands, prefix: 'eh', nodeTag: 'a1b2c3', windowMs: 120000, maxEvents: 10000 });
 * await history.append(hit); const missed = await history.readAfter(accountId, position, rooms);
 */
export class RedisHistory {
  private sha?: string;
  private loading?: Promise<string>;
  /** The last append handed to Redis: a later command on the same connection runs after it. */
  private last: Promise<unknown> = Promise.resolve();

  constructor(private readonly opts: RedisHistoryOptions) {}

  streamKey(accountId: string): string {
    return `${this.opts.prefix}:hist:${accountId}`;
  }

  private hitKey(hit: string): string {
    return `${this.opts.prefix}:hid:${hit}`;
  }

  /** The hash of the last position each node appended, per account. */
  positionsKey(nodeTag = this.opts.nodeTag): string {
    return `${this.opts.prefix}:hpos:${nodeTag}`;
  }

  private script(): Promise<string> {
    if (this.sha) return Promise.resolve(this.sha);
    this.loading ??= this.opts.client.scriptLoad(APPEND).then((sha) => (this.sha = sha));
    return this.loading;
  }

  /** Appends one room hit (or finds the entry another node wrote); resolves with its position. */
  append(hit: HistoryHit): Promise<string> {
    const id = hitId(hit.room, hit.event);
    const keys = [this.streamKey(hit.accountId), this.hitKey(id), this.positionsKey()];
    const args = [String(this.opts.windowMs), String(this.opts.maxEvents), hit.accountId, hit.room, hit.envelope, hit.name, hit.payload, hit.event];
    const run = (sha: string) => this.opts.client.evalSha(sha, { keys, arguments: args }) as Promise<string>;
    const done = this.sha
      ? run(this.sha).catch((err: Error) => {
        if (!/NOSCRIPT/.test(err.message)) throw err;
        this.sha = undefined;
        this.loading = undefined;
        return this.script().then(run);
      })
      : this.script().then(run);
    this.last = done.catch(() => undefined);
    return done;
  }

  /** Resolves once every append issued so far has been answered. */
  flushed(): Promise<void> {
    return this.last.then(() => undefined);
  }

  /** A node's map from its own (in-process) history positions to the shared ones, per account. */
  private localKey(nodeTag: string): string {
    return `${this.opts.prefix}:hloc:${nodeTag}`;
  }

  /**
   * Records where one of this node's own history positions (what its Socket.IO offsets carry) falls in
   * each account's shared stream: the first and last room hit of that event. Positions only grow.
   */
  async mapLocal(localPosition: string, byAccount: ReadonlyMap<string, { first: string; last: string }>): Promise<void> {
    if (byAccount.size === 0) return;
    const fields: Record<string, string> = {};
    for (const [a, p] of byAccount) fields[a] = `${p.first}|${p.last}`;
    const key = this.localKey(this.opts.nodeTag);
    await this.opts.client.multi().xAdd(key, localPosition, fields, { TRIM: { strategy: 'MAXLEN', strategyModifier: '~', threshold: this.opts.maxEvents } }).pExpire(key, this.opts.windowMs).exec();
  }

  /**
   * The shared positions of node `nodeTag`'s newest mapped event at or before its own position
   * `localPosition`: per account, its first and last room hit; undefined when none is known.
   */
  async sharedOfLocal(nodeTag: string, localPosition: string): Promise<{ exact: boolean; byAccount: Map<string, { first: string; last: string }> } | undefined> {
    const found = (await this.opts.client.xRevRange(this.localKey(nodeTag), localPosition, '-', { COUNT: 1 })) as RawEntry[];
    const entry = found[0];
    if (!entry) return undefined;
    const byAccount = new Map<string, { first: string; last: string }>();
    for (const [a, v] of Object.entries(entry.message)) {
      const [first = '', last = ''] = v.split('|');
      byAccount.set(a, { first, last });
    }
    return { exact: entry.id === localPosition, byAccount };
  }

  private gapsKey(): string {
    return `${this.opts.prefix}:hgaps`;
  }

  /**
   * Says that this node routed events it could not append (Redis was away) until now: a resume from a
   * position before now cannot vouch for what follows it. Kept for the window.
   */
  async markGap(): Promise<void> {
    const now = redisTimeMs(await this.opts.client.time());
    await this.opts.client
      .multi()
      .zAdd(this.gapsKey(), { score: now, value: `${this.opts.nodeTag}:${now}` })
      .zRemRangeByScore(this.gapsKey(), '-inf', now - this.opts.windowMs)
      .pExpire(this.gapsKey(), this.opts.windowMs)
      .exec();
  }

  /** Whether some node marked a gap after `position` (its events may be missing from the history). */
  async gapAfter(position: string): Promise<boolean> {
    const ms = Number(position.split('-')[0] ?? 0);
    return (await this.opts.client.zCount(this.gapsKey(), `(${ms}`, '+inf')) > 0;
  }

  /** The position of a room hit while its dedupe key lives, if known. */
  async positionOfHit(hit: string): Promise<string | undefined> {
    return (await this.opts.client.get(this.hitKey(hit))) ?? undefined;
  }

  /** A node's last appended position of each account it wrote (what a crashed node leaves behind). */
  async nodePositions(nodeTag: string, accountIds: readonly string[]): Promise<Record<string, string | undefined>> {
    if (accountIds.length === 0) return {};
    const values = await this.opts.client.hmGet(this.positionsKey(nodeTag), [...accountIds]);
    return Object.fromEntries(accountIds.map((a, i) => [a, values[i] ?? undefined]));
  }

  /**
   * Whether nothing after `position` was trimmed from an account's stream: true when nothing was ever
   * trimmed, or the position is at or after the oldest entry kept (XINFO's counters, Redis 7).
   */
  async keptSince(accountId: string, position: string): Promise<boolean> {
    let info: unknown[];
    try {
      info = (await this.opts.client.sendCommand(['XINFO', 'STREAM', this.streamKey(accountId)])) as unknown[];
    } catch {
      return true; // no such stream: nothing kept, nothing trimmed while it lived
    }
    const field = (name: string) => String(info[info.indexOf(name) + 1]);
    if (Number(field('entries-added')) === Number(field('length'))) return true;
    return comparePositions(position, field('recorded-first-entry-id')) >= 0;
  }

  /**
   * Entries of `rooms` of one account after `position` (exclusive), oldest first, at most `limit` read
   * per call; `complete` is false when entries the client missed were already trimmed.
   */
  async readAfter(accountId: string, position: string, rooms: ReadonlySet<string>): Promise<{ entries: HistoryEntry[]; last: string; complete: boolean }> {
    const key = this.streamKey(accountId);
    const entries: HistoryEntry[] = [];
    let cursor = position;
    const page = 2000;
    for (;;) {
      const raw = (await this.opts.client.xRange(key, `(${cursor}`, '+', { COUNT: page })) as RawEntry[];
      for (const r of raw) {
        const m = r.message;
        if (!rooms.has(m['r'] ?? '')) continue;
        entries.push({ id: r.id, room: m['r'] ?? '', envelope: m['e'] ?? '', name: m['n'] ?? '', payload: m['p'] ?? '', event: m['v'] ?? '' });
      }
      if (raw.length > 0) cursor = raw[raw.length - 1]!.id;
      if (raw.length < page) break;
    }
    // Complete unless the cap or the window trimmed entries after the position.
    const complete = await this.keptSince(accountId, position);
    return { entries, last: cursor, complete };
  }
}

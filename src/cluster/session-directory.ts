// Owns the cluster's directory of resumable sessions in Redis: for every live connection with
// subscriptions, what it holds and where its history starts, kept all the time (a node killed outright
// writes nothing at close), marked parked with exact positions when a live node sees the connection
// drop, and claimed at most once by the node the client resumes on. Knows no sockets or transports.
import { redisTimeMs } from './redis-clock';
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { RedisClient } from './redis-link';

/**
 * What Redis may know of a session's secret key (resume token, Socket.IO private id): its SHA-256. So
 * neither the key nor the tokens sealed with it can be read back from Redis.
 * @example recordName(resumeToken) // 'Zk3…' (43 characters)
 */
export function recordName(id: string): string {
  return createHash('sha256').update(id).digest('base64url');
}

function sealKey(id: string): Buffer {
  return createHash('sha256').update('event-horizon resume\n').update(id).digest();
}

/**
 * Encrypts a token with a key only the holder of the session's secret key can derive (AES-256-GCM).
 * @example const sealed = seal(pid, token); open(pid, sealed) === token
 */
export function seal(id: string, text: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', sealKey(id), iv);
  const body = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
  return [iv, cipher.getAuthTag(), body].map((b) => b.toString('base64url')).join('.');
}

/** The token `seal` encrypted, or undefined when it does not open with this key. */
export function unseal(id: string, sealed: string): string | undefined {
  try {
    const [iv, tag, body] = sealed.split('.').map((p) => Buffer.from(p, 'base64url'));
    const decipher = createDecipheriv('aes-256-gcm', sealKey(id), iv!);
    decipher.setAuthTag(tag!);
    return Buffer.concat([decipher.update(body!), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}

/** One subscription as a resume needs it to subscribe again. */
export interface RecordedSubscription {
  accountId: string;
  binding: string;
  name?: string;
  metadata?: Record<string, unknown>;
}

/** One resumable session, keyed by its resume token (raw WebSocket) or private id (Socket.IO v4). */
export interface SessionRecord {
  /** How its client comes back: the `resume` command (raw WebSocket) or its own reconnect (Socket.IO v4). */
  resumption: 'by-command' | 'on-reconnect';
  /** The tag of the node holding it (whose last positions stand in after a crash). */
  node: string;
  /** Socket.IO's socket id, kept across a recovery. */
  sid?: string;
  subscriptions: RecordedSubscription[];
  /** Per account, the token that was granted it, sealed with the session's key (a v4 restore re-validates them). */
  tokens: Record<string, string>;
  /** Per account, the history position after which the client has received nothing. */
  positions: Record<string, string>;
  /** Set by a live node when the connection dropped: the positions are then exact. */
  parked: boolean;
  /**
   * Whether the parking node keeps routing the session's rooms into the history until it is resumed
   * (false when it parked on its way out: a drain).
   */
  covered?: boolean;
}

/**
 * KEYS: the record, the node's position hash. ARGV: ttl ms, '1' when the node keeps covering its rooms.
 * Marks a record parked and moves each account's position to the node's last appended one. Runs after
 * every append the node issued before it (same connection), so nothing the client got is replayed.
 */
const PARK = `
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
local rec = cjson.decode(raw)
rec.parked = true
rec.covered = ARGV[2] == '1'
if type(rec.positions) ~= 'table' then rec.positions = {} end
for _, sub in ipairs(rec.subscriptions) do
  local p = redis.call('HGET', KEYS[2], sub.accountId)
  if p then rec.positions[sub.accountId] = p end
end
redis.call('SET', KEYS[1], cjson.encode(rec), 'PX', ARGV[1])
return 1
`;

function parse(raw: unknown): SessionRecord | undefined {
  if (typeof raw !== 'string') return undefined;
  try {
    return JSON.parse(raw) as SessionRecord;
  } catch {
    return undefined;
  }
}

export interface SessionDirectoryOptions {
  client: RedisClient;
  prefix: string;
  /** The key of a node's last appended positions (see RedisHistory.positionsKey). */
  positionsKey(nodeTag: string): string;
}

/**
 * @example
 * const directory = new SessionDirectory({ client: link.commands, prefix: 'eh', positionsKey: (t) => history.positionsKey(t) });
 * await directory.save(token, record, ttl); … const rec = await directory.claim(token);
 */
export class SessionDirectory {
  constructor(private readonly opts: SessionDirectoryOptions) {}

  private key(id: string): string {
    return `${this.opts.prefix}:rsess:${recordName(id)}`;
  }

  /** The channel on which a claim is announced, so the node still parking the session lets it go. */
  get claimChannel(): string {
    return `${this.opts.prefix}:rsess-claimed`;
  }

  /**
   * Writes a live session's record. Accounts without a position yet start at the node's last appended
   * one, or at Redis's clock now when the node wrote none for that account.
   */
  async save(id: string, record: Omit<SessionRecord, 'parked'>, ttlMs: number): Promise<SessionRecord> {
    const missing = [...new Set(record.subscriptions.map((s) => s.accountId))].filter((a) => record.positions[a] === undefined);
    const positions = { ...record.positions };
    if (missing.length > 0) {
      const [known, time] = await Promise.all([this.opts.client.hmGet(this.opts.positionsKey(record.node), missing), this.opts.client.time()]);
      // Just before anything Redis stamps from this millisecond on (reads are exclusive).
      const now = `${redisTimeMs(time) - 1}-18446744073709551615`;
      missing.forEach((a, i) => (positions[a] = known[i] ?? now));
    }
    const full: SessionRecord = { ...record, positions, parked: false };
    await this.opts.client.set(this.key(id), JSON.stringify(full), { PX: ttlMs });
    return full;
  }

  /** Keeps live sessions' records from expiring (the node's heartbeat). */
  async refresh(ids: readonly string[], ttlMs: number): Promise<void> {
    if (ids.length === 0) return;
    const multi = this.opts.client.multi();
    for (const id of ids) multi.pExpire(this.key(id), ttlMs);
    await multi.exec();
  }

  /**
   * Marks a dropped connection's record parked, with exact positions; false when there is none.
   * `covered`: the node keeps its rooms (and their history) until a resume; false when it is leaving.
   */
  async park(id: string, ttlMs: number, nodeTag: string, covered = true): Promise<boolean> {
    const done = await this.opts.client.eval(PARK, { keys: [this.key(id), this.opts.positionsKey(nodeTag)], arguments: [String(ttlMs), covered ? '1' : '0'] });
    return done === 1;
  }

  /** Reads a record without taking it (to authorize a resume before anything is given up). */
  async peek(id: string): Promise<SessionRecord | undefined> {
    return parse(await this.opts.client.get(this.key(id)));
  }

  /** Takes a record for one resume: the first caller gets it, every later one nothing. */
  async claim(id: string): Promise<SessionRecord | undefined> {
    return parse(await this.opts.client.getDel(this.key(id)));
  }

  /** Announces a claim by node `nodeTag` (the node parking the session ends its copy): the key's name only. */
  async announceClaim(id: string, nodeTag: string): Promise<void> {
    await this.opts.client.publish(this.claimChannel, `${nodeTag} ${recordName(id)}`);
  }

  /** Forgets a session for good (a deliberate close, an expired window). */
  async drop(id: string): Promise<void> {
    await this.opts.client.del(this.key(id));
  }
}

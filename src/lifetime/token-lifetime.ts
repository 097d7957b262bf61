// Owns what happens to subscriptions when their token ends: re-validation on a timer, at JWT `exp` and
// on credential reloads. A connection that loses a token's subscriptions is told, then ended the way its
// client reconnects from, so the client subscribes again with the token it holds now; others are untouched.
import type { Logger } from 'pino';
import type { Hub } from '../hub/hub';
import type { Session } from '../hub/session';
import { ErrorText } from '../protocol/error-texts';
import { freshRequestId } from '../protocol/request-id';
import type { Reply } from '../protocol/replies';
import type { AccessControl } from '../auth/access-control';
import type { Identity } from '../auth/authenticator';
import type { LimitsCounters } from '../guard/limits-counters';

export interface TokenLifetimeOptions {
  hub: Hub;
  access: AccessControl;
  counters: LimitsCounters;
  logger: Logger;
  /** How often every token holding subscriptions is re-validated (0: only at expiry and reloads). */
  recheckMs: number;
  /** Told when re-validation finds a token dead (so other nodes can end its subscriptions too). */
  onTokenEnded?: (token: string, reason: 'expired' | 'invalid') => void;
  /** How long the grants of a gone connection are kept for its recovery (default one hour). */
  lineageMs?: number;
}

interface Grant {
  token: string;
  identity: Identity;
}

/** How long the grants of a connection that may come back (Socket.IO recovery) are kept. */
const LINEAGE_MS = 60 * 60 * 1000;
/** Longest wait between two sweeps of the grants of connections gone for good. */
const LINEAGE_SWEEP_MS = 60_000;
/** A subscription may run this long before its grant is recorded (the subscribe waits for RabbitMQ). */
const ORPHAN_GRACE_MS = 30_000;
/** Longest delay setTimeout takes. */
const MAX_DELAY = 2 ** 31 - 1;
/** Tokens re-validated at once. */
const CONCURRENCY = 8;

/**
 * Keeps each session's subscriptions tied to the token that was last granted each account.
 * @example const lifetime = new TokenLifetime(opts); access.onGrant(lifetime.track); … lifetime.recheckAll();
 */
export class TokenLifetime {
  private readonly grants = new WeakMap<Session, Map<string, Grant>>();
  /**
   * Grants by the id a connection keeps across a recovered reconnection (Socket.IO's socket id), so
   * subscriptions moved to the new connection stay tied to their token.
   */
  private readonly lineage = new Map<string, { grants: Map<string, Grant>; at: number }>();
  private readonly expiryTimers = new Map<string, NodeJS.Timeout>();
  private readonly interval?: NodeJS.Timeout;
  /** Drops what gone connections left whether or not periodic re-validation runs (it may be off). */
  private readonly sweeper: NodeJS.Timeout;
  private readonly lineageMs: number;
  private running?: Promise<void>;
  private again = false;

  constructor(private readonly opts: TokenLifetimeOptions) {
    if (opts.recheckMs > 0) {
      this.interval = setInterval(() => void this.recheckAll(), opts.recheckMs);
      this.interval.unref();
    }
    this.lineageMs = opts.lineageMs ?? LINEAGE_MS;
    this.sweeper = setInterval(() => this.sweep(), Math.min(LINEAGE_SWEEP_MS, this.lineageMs));
    this.sweeper.unref();
  }

  /**
   * Forgets what gone connections left: grants not recovered within the lineage time, and the expiry
   * timers of tokens no connection holds any more (a long-lived JWT's would otherwise wait for its `exp`).
   */
  private sweep(): void {
    this.sweepLineage();
    if (this.expiryTimers.size === 0) return;
    const held = new Set<string>();
    for (const session of this.opts.hub.sessions) for (const grant of this.grants.get(session)?.values() ?? []) held.add(grant.token);
    for (const { grants } of this.lineage.values()) for (const grant of grants.values()) held.add(grant.token);
    for (const [token, timer] of this.expiryTimers) {
      if (held.has(token)) continue;
      clearTimeout(timer);
      this.expiryTimers.delete(token);
    }
  }

  /** Forgets the grants of connections that are gone and were not recovered within the lineage time. */
  private sweepLineage(live = this.liveKeys()): void {
    const now = Date.now();
    for (const [key, entry] of this.lineage) if (!live.has(key) && now - entry.at > this.lineageMs) this.lineage.delete(key);
  }

  private liveKeys(): Set<string> {
    const live = new Set<string>();
    for (const session of this.opts.hub.sessions) {
      const key = recoveryKeyOf(session);
      if (key !== undefined) live.add(key);
    }
    return live;
  }

  /**
   * When the first token holding subscriptions on `session` expires (ms since the epoch); undefined when
   * none of its tokens carries an expiry. Read by the operator console, never on the event path.
   */
  expiresAt(session: Session): number | undefined {
    let first: number | undefined;
    for (const grant of this.grants.get(session)?.values() ?? []) {
      const at = grant.identity.expiresAt;
      if (at !== undefined && (first === undefined || at < first)) first = at;
    }
    return first;
  }

  /** Remembers that `token` holds `accountId` on `session`. */
  readonly track = (connection: object, accountId: string, token: string, identity: Identity): void => {
    const session = connection as Session;
    let byAccount = this.adopt(session);
    if (!byAccount) {
      byAccount = new Map();
      this.grants.set(session, byAccount);
    }
    byAccount.set(accountId, { token, identity });
    const key = recoveryKeyOf(session);
    if (key !== undefined) this.lineage.set(key, { grants: byAccount, at: Date.now() });
    if (identity.expiresAt !== undefined) this.scheduleExpiry(token, identity.expiresAt);
  };

  private scheduleExpiry(token: string, expiresAt: number): void {
    if (this.expiryTimers.has(token)) return;
    const timer = setTimeout(() => {
      this.expiryTimers.delete(token);
      void this.recheck(new Set([token]));
    }, Math.min(MAX_DELAY, Math.max(0, expiresAt - Date.now()) + 50));
    timer.unref();
    this.expiryTimers.set(token, timer);
  }

  /**
   * Re-validates at once the tokens a recovered connection took over (Socket.IO connection-state
   * recovery): while it was away no round saw its subscriptions, so its token may have expired or been
   * revoked meanwhile, and no later timer would notice.
   * @example recovery.onRecovered = (session) => void lifetime.recovered(session);
   */
  readonly recovered = (connection: object): Promise<void> => {
    const grants = this.adopt(connection as Session);
    if (!grants || grants.size === 0) return Promise.resolve();
    return this.recheck(new Set([...grants.values()].map((g) => g.token)));
  };

  /** Re-validates every token that holds subscriptions; resolves when done, never rejects. Runs never overlap. */
  recheckAll(): Promise<void> {
    return this.recheck();
  }

  private async recheck(only?: Set<string>): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    // Never rejects: its callers are timers and file watchers, where a rejection would go unhandled.
    this.running = this.run(only)
      .catch((err: Error) => this.opts.logger.error({ err }, 'token re-validation round failed'))
      .finally(() => {
        this.running = undefined;
      });
    await this.running;
    if (this.again) {
      this.again = false;
      await this.recheck();
    }
  }

  private async run(only?: Set<string>): Promise<void> {
    const byToken = new Map<string, Array<{ session: Session; accountId: string }>>();
    const orphans: Array<{ session: Session; accountId: string }> = [];
    const live = new Set<string>();
    for (const session of this.opts.hub.sessions) {
      const grants = this.adopt(session);
      for (const accountId of settledAccounts(session)) if (!grants?.has(accountId)) orphans.push({ session, accountId });
      if (!grants) continue;
      const key = recoveryKeyOf(session);
      if (key !== undefined) live.add(key);
      for (const [accountId, grant] of grants) {
        if (only && !only.has(grant.token)) continue;
        if (!this.holds(session, accountId)) {
          grants.delete(accountId);
          continue;
        }
        const list = byToken.get(grant.token) ?? [];
        list.push({ session, accountId });
        byToken.set(grant.token, list);
      }
    }
    this.sweepLineage(live);
    // Subscriptions no token was granted on this connection (moved here without one): fail closed.
    for (const { session, accountId } of orphans) this.end(session, accountId, '', ErrorText.accessWithdrawn(accountId));
    const tokens = [...byToken.keys()];
    const worker = async () => {
      for (let token = tokens.pop(); token !== undefined; token = tokens.pop()) {
        await this.recheckToken(token, byToken.get(token)!).catch((err: Error) => this.opts.logger.error({ err }, 'token re-validation failed'));
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, tokens.length) }, worker));
  }

  private async recheckToken(token: string, holders: Array<{ session: Session; accountId: string }>): Promise<void> {
    const { access, logger } = this.opts;
    let auth;
    try {
      auth = await access.authenticator.authenticate(token);
    } catch (err) {
      // The source of truth is unreachable: keep what was granted, try again next round.
      logger.warn({ err: (err as Error).message }, 'cannot re-validate a token now; keeping its subscriptions');
      return;
    }
    if (!auth.ok) this.opts.onTokenEnded?.(token, auth.reason === 'expired' ? 'expired' : 'invalid');
    for (const { session, accountId } of holders) {
      if (this.grants.get(session)?.get(accountId)?.token !== token) continue;
      if (!auth.ok) {
        this.revoke(session, accountId, token, auth.reason === 'expired' ? ErrorText.tokenExpired(token) : ErrorText.tokenRevoked(token));
        continue;
      }
      const denied = await access.authorize(auth.identity, accountId, token);
      if (denied === ErrorText.authUnavailable) continue;
      if (denied !== undefined) this.revoke(session, accountId, token, ErrorText.accessWithdrawn(accountId));
      else this.track(session, accountId, token, auth.identity);
    }
  }

  /** The session's grants, taking over those of the connection it recovered when it has none yet. */
  private adopt(session: Session): Map<string, Grant> | undefined {
    let grants = this.grants.get(session);
    const key = recoveryKeyOf(session);
    const previous = key === undefined ? undefined : this.lineage.get(key)?.grants;
    if (previous && previous !== grants) {
      grants ??= new Map();
      for (const [accountId, grant] of previous) if (!grants.has(accountId)) grants.set(accountId, grant);
      this.grants.set(session, grants);
      this.lineage.set(key!, { grants, at: Date.now() });
    }
    return grants;
  }

  private holds(session: Session, accountId: string): boolean {
    for (const h of session.held.values()) if (h.accountId === accountId) return true;
    return false;
  }

  /** Drops a session's subscriptions to one account and tells the client why, as an error reply. */
  private revoke(session: Session, accountId: string, token: string, text: string): void {
    if (this.grants.get(session)?.get(accountId)?.token !== token) return;
    this.grants.get(session)?.delete(accountId);
    this.end(session, accountId, token, text);
  }

  private end(session: Session, accountId: string, token: string, text: string): void {
    const bindings = [...session.held.values()].filter((h) => h.accountId === accountId).map((h) => h.binding);
    if (bindings.length === 0 || session.closed) return;
    this.opts.hub.unsubscribe(session, accountId, bindings);
    this.opts.counters.subscriptionsRevoked += bindings.length;
    this.opts.logger.info({ session: session.id, accountId, bindings: bindings.length }, 'subscriptions ended: token no longer valid');
    const notice: Reply = {
      action: 'reply',
      request_id: freshRequestId(),
      status: 'error',
      // The connection ends right after this notice: it holds nothing any more.
      data: { errors: [text], account_id: accountId, unsubscribed: bindings, subscribed: [] },
    };
    // Reported like a failed legacy subscribe, so Socket.IO pages also get KAZOO 3.x's `auth_failure`.
    // The subscriptions are already gone: a notice that cannot be written must not stop the round.
    try {
      session.transport.reply(notice, token ? { legacyEmit: 'subscribe', authToken: token } : { legacyEmit: 'subscribe' });
    } catch (err) {
      this.opts.logger.warn({ session: session.id, err: (err as Error).message }, 'could not tell the client its subscriptions ended');
    }
    this.closeForCredentials(session);
  }

  /**
   * Ends the connection so its client's own reconnect path subscribes again: real clients re-subscribe
   * only on reconnection, never on an unasked notice, so a connection left open would stay silent.
   * Its other subscriptions end with it (none is parked for recovery); the client asks for them again.
   */
  private closeForCredentials(session: Session): void {
    if (session.closed) return;
    this.opts.hub.unsubscribeAll(session);
    this.opts.logger.info({ session: session.id }, 'connection ended: a token it subscribed with ended; the client reconnects and subscribes again');
    try {
      session.transport.closeForCredentials();
    } catch (err) {
      this.opts.logger.warn({ session: session.id, err: (err as Error).message }, 'could not end the connection of an ended token');
    }
  }

  /**
   * Ends here every subscription held by a token `matches` accepts, as a failed re-validation would
   * (a token another node found dead); returns how many subscriptions ended.
   * @example lifetime.endToken((t) => t === token, 'invalid')
   */
  endToken(matches: (token: string) => boolean, reason: 'expired' | 'invalid'): number {
    let ended = 0;
    for (const session of [...this.opts.hub.sessions]) {
      for (const [accountId, grant] of [...(this.adopt(session) ?? [])]) {
        if (!matches(grant.token)) continue;
        ended += [...session.held.values()].filter((h) => h.accountId === accountId).length;
        this.revoke(session, accountId, grant.token, reason === 'expired' ? ErrorText.tokenExpired(grant.token) : ErrorText.tokenRevoked(grant.token));
      }
    }
    return ended;
  }

  close(): void {
    if (this.interval) clearInterval(this.interval);
    clearInterval(this.sweeper);
    for (const t of this.expiryTimers.values()) clearTimeout(t);
    this.expiryTimers.clear();
  }
}

/** Accounts the session has held subscriptions to for longer than {@link ORPHAN_GRACE_MS}. */
function settledAccounts(session: Session): Set<string> {
  const before = Date.now() - ORPHAN_GRACE_MS;
  return new Set([...session.held.values()].filter((h) => h.since < before).map((h) => h.accountId));
}

/** The id a transport keeps across a recovered reconnection, where it has one. */
function recoveryKeyOf(session: Session): string | undefined {
  return session.transport.recoveryKey;
}

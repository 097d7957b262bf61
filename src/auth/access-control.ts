// Owns the auth steps of the command pipeline: block check, token → identity through the driver,
// failed-login counting, account authorization (sync or asked of the driver). Never turns a failure into an allow.
import type { Logger } from 'pino';
import { ErrorText } from '../protocol/error-texts';
import { AuthResult, Authenticator, Identity, authorize } from './authenticator';
import { AuthFailureTracker } from '../guard/auth-failures';
import { LimitsCounters, createLimitsCounters } from '../guard/limits-counters';
import { LogThrottle } from '../ops/log-throttle';

/** An auth source that is down is logged at most this often (with how many failures were not logged). */
export const UNAVAILABLE_LOG_INTERVAL_MS = 30_000;

/** What a driver's failure says in the log: its message, and the address and cause when it has them. */
function failureFields(err: unknown): Record<string, unknown> {
  const e = err as { message?: string; url?: unknown; cause?: unknown };
  const fields: Record<string, unknown> = { err: e.message ?? String(err) };
  if (typeof e.url === 'string') fields['url'] = e.url;
  if (typeof e.cause === 'string') fields['error_code'] = e.cause;
  return fields;
}

export interface AccessControlOptions {
  authenticator: Authenticator;
  failures: AuthFailureTracker;
  counters: LimitsCounters;
  logger: Logger;
}

/** Told when a token was granted an account on a connection (token lifetime tracking). */
export type GrantListener = (connection: object, accountId: string, token: string, identity: Identity) => void;

/**
 * Authentication and authorization as the command handler needs them.
 * @example const auth = await access.authenticate(ip, token); if (auth.ok) denied = await access.authorize(auth.identity, accountId, token);
 */
export class AccessControl {
  private readonly grantListeners: GrantListener[] = [];
  private readonly authDown: LogThrottle;
  private readonly authorizeDown: LogThrottle;

  constructor(private readonly opts: AccessControlOptions) {
    // One line per outage window, not one per command: a busy node would log thousands.
    this.authDown = new LogThrottle({ logger: opts.logger, level: 'warn', intervalMs: UNAVAILABLE_LOG_INTERVAL_MS });
    this.authorizeDown = new LogThrottle({ logger: opts.logger, level: 'warn', intervalMs: UNAVAILABLE_LOG_INTERVAL_MS });
  }

  /** Access control with no IP blocking and private counters (until the composition root sets the real one). */
  static plain(authenticator: Authenticator, logger: Logger): AccessControl {
    return new AccessControl({ authenticator, failures: new AuthFailureTracker({ maxFailures: 0, blockSeconds: 60 }), counters: createLimitsCounters(), logger });
  }

  get authenticator(): Authenticator {
    return this.opts.authenticator;
  }

  /** Resolves a command's token, refusing IPs blocked after failed logins. */
  async authenticate(ip: string, token: string | undefined): Promise<AuthResult> {
    const { counters, failures, logger } = this.opts;
    if (!token) return { ok: false, error: ErrorText.tokenRequired };
    const blocked = failures.blockedFor(ip);
    if (blocked > 0) {
      counters.blockedRefusals++;
      return { ok: false, error: ErrorText.authBlocked(ip, blocked) };
    }
    let result: AuthResult;
    try {
      result = await this.opts.authenticator.authenticate(token);
    } catch (err) {
      counters.authUnavailable++;
      this.authDown.log(failureFields(err), 'authenticator unavailable');
      return { ok: false, error: ErrorText.authUnavailable };
    }
    if (!result.ok) {
      counters.authFailures++;
      logger.info({ ip, reason: result.reason ?? 'invalid' }, 'login failed');
      if (failures.record(ip)) {
        counters.ipsBlocked++;
        logger.warn({ ip }, 'IP blocked after too many failed logins');
      }
    }
    return result;
  }

  /** KAZOO's error text when the identity may not see `accountId`, undefined when it may. */
  async authorize(identity: Identity, accountId: string, token: string): Promise<string | undefined> {
    const local = authorize(identity, accountId);
    const ask = this.opts.authenticator.authorize;
    if (local === undefined || !ask) return local;
    try {
      return await ask.call(this.opts.authenticator, identity, accountId, token);
    } catch (err) {
      this.opts.counters.authUnavailable++;
      this.authorizeDown.log(failureFields(err), 'authorization source unavailable');
      return ErrorText.authUnavailable;
    }
  }

  /** Records that `token` was granted `accountId` on a connection (after a successful subscribe). */
  granted(connection: object, accountId: string, token: string, identity: Identity): void {
    for (const l of this.grantListeners) l(connection, accountId, token, identity);
  }

  onGrant(listener: GrantListener): void {
    this.grantListeners.push(listener);
  }
}

// Owns the auth steps of the command pipeline: block check, token → identity through the driver,
// failed-login counting, account authorization (sync or asked of the driver). Never turns a failure into an allow.
import type { Logger } from 'pino';
import { ErrorText } from '../protocol/error-texts';
import { AuthResult, Authenticator, Identity, authorize } from './authenticator';
import { AuthFailureTracker } from '../guard/auth-failures';
import { LimitsCounters, createLimitsCounters } from '../guard/limits-counters';

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

  constructor(private readonly opts: AccessControlOptions) {}

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
      logger.warn({ err: (err as Error).message }, 'authenticator unavailable');
      return { ok: false, error: ErrorText.authUnavailable };
    }
    if (!result.ok) {
      counters.authFailures++;
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
      this.opts.logger.warn({ err: (err as Error).message }, 'authorization source unavailable');
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

// Owns the Authenticator contract (token → identity) and the account-tree rule applied to identities.
// Drivers live beside it; which one runs is chosen in the composition root.
import { ErrorText } from '../protocol/error-texts';

/** Who a token belongs to and which accounts it may see. */
export interface Identity {
  accountId: string;
  /** Accounts below `accountId` in the tree (what the driver knows without asking). */
  descendants: ReadonlySet<string>;
  /** KAZOO's superduper admin: may subscribe with account_id `*`. */
  superduper: boolean;
  /** When the token stops being valid (epoch ms), where the driver knows it (JWT `exp`). */
  expiresAt?: number;
}

/** Why a token was refused: `expired` when the driver can tell, else `invalid`. */
export type AuthFailureReason = 'expired' | 'invalid';

export type AuthResult = { ok: true; identity: Identity } | { ok: false; error: string; reason?: AuthFailureReason };

/**
 * Resolves an auth token to an identity. A driver that cannot reach its source of truth throws:
 * the caller turns that into "authentication service unavailable", never into an allow.
 * @example const r = await authenticator.authenticate(token); if (r.ok) authorize(r.identity, accountId);
 */
export interface Authenticator {
  authenticate(token: string): Promise<AuthResult>;
  /**
   * Whether the identity may see `accountId`, for drivers that must ask (Crossbar's account tree).
   * Absent: {@link authorize} decides from the identity alone. Throws when the source is unreachable.
   */
  authorize?(identity: Identity, accountId: string, token: string): Promise<string | undefined>;
  /** Re-reads credentials now, where the driver has any (SIGHUP). */
  reload?(): void;
  close?(): void;
}

/**
 * Whether an identity may see an account: its own, a descendant, or `*` for a superduper admin.
 * Returns KAZOO's error text when not.
 * @example authorize({ accountId: "a…", descendants: new Set(), superduper: false }, "*") // "unauthorized wildcard account id"
 */
export function authorize(identity: Identity, accountId: string): string | undefined {
  if (accountId === '*') return identity.superduper ? undefined : ErrorText.unauthorizedWildcard;
  if (accountId === identity.accountId || identity.descendants.has(accountId)) return undefined;
  return ErrorText.unauthorizedAccount;
}

// Owns the JWT driver: KAZOO 4.3+ tokens verified with a configured public key (PEM) or JWKS file,
// signature and expiry checked by `jose`, identity read from the claims. Trusts nothing it did not verify.
import crypto from 'node:crypto';
import fs from 'node:fs';
import { createLocalJWKSet, errors, jwtVerify, JWTPayload, JWTVerifyGetKey } from 'jose';
import { ErrorText } from '../protocol/error-texts';
import { AuthResult, Authenticator, Identity } from './authenticator';

const ACCOUNT_ID = /^[0-9a-f]{32}$/;
const ASYMMETRIC = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

interface Verifier {
  key: crypto.KeyObject | JWTVerifyGetKey;
  algorithms: string[];
}

/** Algorithms a public key may verify: never HMAC, so a public key cannot double as a shared secret. */
function algorithmsFor(key: crypto.KeyObject): string[] {
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return ['RS256', 'RS384', 'RS512'];
    case 'rsa-pss':
      return ['PS256', 'PS384', 'PS512'];
    case 'ec': {
      const curve = key.asymmetricKeyDetails?.namedCurve;
      return [curve === 'secp384r1' ? 'ES384' : curve === 'secp521r1' ? 'ES512' : 'ES256'];
    }
    case 'ed25519':
    case 'ed448':
      return ['EdDSA'];
    default:
      throw new Error(`unsupported key type ${key.asymmetricKeyType}`);
  }
}

/**
 * Reads a verification key file: a JWKS (`{"keys": […]}`), a PEM public key or a PEM certificate.
 * Throws an Error naming the file and the problem.
 * @example const { key, algorithms } = readVerifier("/etc/kazoo/public.pem"); // algorithms: ["RS256", "RS384", "RS512"]
 */
export function readVerifier(path: string): Verifier {
  let text: string;
  try {
    text = fs.readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`JWT key file ${path}: ${(err as Error).message}`);
  }
  try {
    if (text.trimStart().startsWith('{')) {
      const jwks = JSON.parse(text) as { keys?: unknown };
      if (!Array.isArray(jwks.keys) || jwks.keys.length === 0) throw new Error('a JWKS needs a non-empty "keys" array');
      return { key: createLocalJWKSet(jwks as Parameters<typeof createLocalJWKSet>[0]), algorithms: ASYMMETRIC };
    }
    const key = text.includes('BEGIN CERTIFICATE') ? new crypto.X509Certificate(text).publicKey : crypto.createPublicKey(text);
    if (key.type !== 'public') throw new Error('expected a public key');
    return { key, algorithms: algorithmsFor(key) };
  } catch (err) {
    throw new Error(`JWT key file ${path}: ${(err as Error).message}`);
  }
}

/** The identity in verified claims: `account_id` (required), `descendants`, `superduper_admin`/`is_superduper_admin`. */
function identityOf(claims: JWTPayload): Identity | undefined {
  const accountId = claims['account_id'];
  if (typeof accountId !== 'string' || !ACCOUNT_ID.test(accountId)) return undefined;
  const raw = claims['descendants'];
  const descendants = Array.isArray(raw) ? raw.filter((d): d is string => typeof d === 'string' && ACCOUNT_ID.test(d)) : [];
  const identity: Identity = {
    accountId,
    descendants: new Set(descendants),
    superduper: claims['superduper_admin'] === true || claims['is_superduper_admin'] === true,
  };
  if (typeof claims.exp === 'number') identity.expiresAt = claims.exp * 1000;
  return identity;
}

/** Claims a token must carry besides a valid signature and `exp` (unset: not checked). */
export interface JwtClaimRules {
  issuer?: string;
  audience?: string;
}

/**
 * Verifies JWT auth tokens; the key file is re-read when it changes (key rotation) and on SIGHUP.
 * `onReload` runs after a change on disk was read (tokens the old key signed may be dead now).
 * @example new JwtAuthenticator("/etc/kazoo/public.pem", logError, { issuer: "kazoo" }, () => lifetime.recheckAll())
 */
export class JwtAuthenticator implements Authenticator {
  private verifier: Verifier;
  private readonly listener: () => void;

  constructor(
    private readonly path: string,
    onReloadError: (err: Error) => void = () => undefined,
    private readonly rules: JwtClaimRules = {},
    onReload: () => void = () => undefined,
  ) {
    this.verifier = readVerifier(path);
    this.listener = () => {
      try {
        this.verifier = readVerifier(this.path);
      } catch (err) {
        onReloadError(err as Error);
        return;
      }
      onReload();
    };
    fs.watchFile(path, { interval: 500 }, this.listener);
  }

  /** Re-reads the key file now; throws (keeping the previous key) when it is invalid. */
  reload(): void {
    this.verifier = readVerifier(this.path);
  }

  async authenticate(token: string): Promise<AuthResult> {
    const rejected = (reason: 'expired' | 'invalid'): AuthResult => ({ ok: false, error: ErrorText.tokenRejected(token), reason });
    try {
      const { key, algorithms } = this.verifier;
      const options = { algorithms, requiredClaims: ['exp'], ...(this.rules.issuer !== undefined ? { issuer: this.rules.issuer } : {}), ...(this.rules.audience !== undefined ? { audience: this.rules.audience } : {}) };
      const { payload } =
        typeof key === 'function' ? await jwtVerify(token, key, options) : await jwtVerify(token, key, options);
      const identity = identityOf(payload);
      return identity ? { ok: true, identity } : rejected('invalid');
    } catch (err) {
      return rejected(err instanceof errors.JWTExpired ? 'expired' : 'invalid');
    }
  }

  close(): void {
    fs.unwatchFile(this.path, this.listener);
  }
}

// Owns the Crossbar driver: a token is valid when KAZOO's Crossbar says so (`GET /token_auth` with
// X-Auth-Token), and an account is visible when the token's account is in its tree. Cached; never allows on failure.
import { decodeJwt } from 'jose';
import { ErrorText } from '../protocol/error-texts';
import { AuthResult, Authenticator, Identity } from './authenticator';
import { TtlCache } from './ttl-cache';

export interface CrossbarOptions {
  /** Crossbar's versioned base URL, as Monster UI is configured: `http://kazoo:8000/v2`. */
  baseUrl: string;
  /** How long an answer is trusted (`EH_AUTH_CACHE_TTL`); refusals are kept at most {@link FAILURE_TTL_MS}. */
  cacheTtlMs: number;
  /** Per-request deadline; a slower Crossbar counts as unreachable. */
  timeoutMs: number;
}

/** Refusals are cached briefly, so a token fixed upstream works again soon. */
export const FAILURE_TTL_MS = 5_000;

const ACCOUNT_ID = /^[0-9a-f]{32}$/;

/**
 * Crossbar could not give an answer (down, slow, 5xx, nonsense): the caller answers "unavailable".
 * `url` is the address asked (never the token), `cause` the network error's code (`ECONNREFUSED`,
 * `ENOTFOUND`, `timeout`…) when there was no HTTP answer at all.
 * @example throw new CrossbarUnavailable('GET /token_auth answered 503', 'http://kazoo:8000/v2/token_auth');
 */
export class CrossbarUnavailable extends Error {
  constructor(message: string, readonly url?: string, override readonly cause?: string) {
    super(message);
  }
}

/** The most telling part of a failed fetch: `connect ECONNREFUSED 10.0.0.5:8000`, `timeout after 5000 ms`. */
function fetchFailure(err: unknown, timeoutMs: number): { code: string; text: string } {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string; errors?: Array<{ message?: string }> } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return { code: 'timeout', text: `no answer within ${timeoutMs} ms` };
  const cause = e.cause;
  const text = cause?.message || cause?.errors?.map((x) => x.message).join('; ') || e.message || String(err);
  return { code: cause?.code ?? 'error', text };
}

type Answer = { status: number; body: Record<string, unknown> | undefined };

function dataOf(body: Record<string, unknown> | undefined): unknown {
  return body?.['data'];
}

/**
 * Validates tokens and account access against Crossbar, the way KAZOO's Blackhole relies on kz_auth.
 * @example new CrossbarAuthenticator({ baseUrl: "http://kazoo:8000/v2", cacheTtlMs: 60_000, timeoutMs: 5000 })
 */
export class CrossbarAuthenticator implements Authenticator {
  private readonly tokens = new TtlCache<AuthResult>();
  private readonly access = new TtlCache<{ denied?: string }>();
  private readonly base: string;

  constructor(private readonly opts: CrossbarOptions) {
    this.base = opts.baseUrl.replace(/\/+$/, '');
  }

  authenticate(token: string): Promise<AuthResult> {
    return this.tokens.getOrLoad(token, async () => {
      const { status, body } = await this.get('/token_auth', token);
      const data = dataOf(body) as Record<string, unknown> | undefined;
      if (status === 200 && typeof data?.['account_id'] === 'string' && ACCOUNT_ID.test(data['account_id'])) {
        const identity: Identity = {
          accountId: data['account_id'],
          descendants: new Set(),
          superduper: data['is_superduper_admin'] === true || data['superduper_admin'] === true,
        };
        const expiresAt = jwtExpiry(token);
        const now = Date.now();
        // Crossbar is the judge: a token it accepts past its `exp` by this clock (the clocks disagree) is
        // asked about again after the refusal delay, not at once (token lifetime would ask in a loop).
        if (expiresAt !== undefined) identity.expiresAt = expiresAt > now ? expiresAt : now + FAILURE_TTL_MS;
        const ttl = Math.min(this.opts.cacheTtlMs, identity.expiresAt === undefined ? Infinity : identity.expiresAt - now);
        return { value: { ok: true, identity }, ttlMs: ttl };
      }
      if (status === 401 || status === 403 || status === 404) {
        return { value: { ok: false, error: ErrorText.tokenRejected(token), reason: 'invalid' }, ttlMs: Math.min(this.opts.cacheTtlMs, FAILURE_TTL_MS) };
      }
      throw new CrossbarUnavailable(`GET /token_auth answered ${status}${status === 200 ? ' without a valid account_id' : ''}`);
    });
  }

  async authorize(identity: Identity, accountId: string, token: string): Promise<string | undefined> {
    if (accountId === identity.accountId || identity.descendants.has(accountId)) return undefined;
    const key = `${token}\n${accountId}`;
    const answer = await this.access.getOrLoad(key, async () => {
      const denied = accountId === '*' ? await this.superduperCheck(identity, token) : await this.treeCheck(identity, accountId, token);
      return { value: denied === undefined ? {} : { denied }, ttlMs: denied === undefined ? this.opts.cacheTtlMs : Math.min(this.opts.cacheTtlMs, FAILURE_TTL_MS) };
    });
    return answer.denied;
  }

  /** `*` needs a superduper admin: asked of the token's own account document. */
  private async superduperCheck(identity: Identity, token: string): Promise<string | undefined> {
    if (identity.superduper) return undefined;
    const { status, body } = await this.get(`/accounts/${identity.accountId}`, token);
    if (status === 200) return (dataOf(body) as Record<string, unknown> | undefined)?.['superduper_admin'] === true ? undefined : ErrorText.unauthorizedWildcard;
    if (status === 401 || status === 403 || status === 404) return ErrorText.unauthorizedWildcard;
    throw new CrossbarUnavailable(`GET /accounts/{id} answered ${status}`);
  }

  /** KAZOO's rule: the requested account's tree (its ancestors) holds the token's account. */
  private async treeCheck(identity: Identity, accountId: string, token: string): Promise<string | undefined> {
    const { status, body } = await this.get(`/accounts/${accountId}/tree`, token);
    if (status === 200) {
      const tree = dataOf(body);
      if (!Array.isArray(tree)) throw new CrossbarUnavailable('GET /accounts/{id}/tree answered without a data array');
      const ancestors = tree.map((node) => (typeof node === 'string' ? node : (node as Record<string, unknown> | null)?.['id']));
      return ancestors.includes(identity.accountId) ? undefined : ErrorText.unauthorizedAccount;
    }
    if (status === 401 || status === 403 || status === 404) return ErrorText.unauthorizedAccount;
    throw new CrossbarUnavailable(`GET /accounts/{id}/tree answered ${status}`);
  }

  private async get(path: string, token: string): Promise<Answer> {
    let res: Response;
    const url = this.base + path;
    try {
      res = await fetch(url, {
        headers: { 'X-Auth-Token': token, Accept: 'application/json' },
        signal: AbortSignal.timeout(this.opts.timeoutMs),
      });
    } catch (err) {
      const failure = fetchFailure(err, this.opts.timeoutMs);
      throw new CrossbarUnavailable(`Crossbar unreachable at ${url}: ${failure.text}`, url, failure.code);
    }
    let body: Record<string, unknown> | undefined;
    try {
      const parsed: unknown = await res.json();
      body = parsed !== null && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : undefined;
    } catch {
      body = undefined;
    }
    if (res.status >= 500) throw new CrossbarUnavailable(`Crossbar at ${url} answered ${res.status}`, url, `http ${res.status}`);
    return { status: res.status, body };
  }
}

/** KAZOO 4.3 tokens are JWTs: their `exp` (read, not trusted) bounds how long an answer is cached. */
function jwtExpiry(token: string): number | undefined {
  if (token.split('.').length !== 3) return undefined;
  try {
    const exp = decodeJwt(token).exp;
    return typeof exp === 'number' ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

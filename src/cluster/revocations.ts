// Owns telling every node that a token died: when one node's token lifetime finds a token expired or
// revoked, the others end its subscriptions too and refuse it for a while. Tokens travel only as hashes.
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { Authenticator, AuthResult } from '../auth/authenticator';
import { ErrorText } from '../protocol/error-texts';
import type { PeerLink } from './peer-link';

export type TokenEndReason = 'expired' | 'invalid';

/** What a node can do with a token another node found dead: end its local subscriptions. */
export interface TokenEnder {
  endToken(matches: (token: string) => boolean, reason: TokenEndReason): number;
}

interface Notice {
  n: string;
  h: string;
  r: TokenEndReason;
}

function hashOf(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * Relays token deaths between nodes over Redis pub/sub.
 * @example
 * const relay = new RevocationRelay(60000, logger);
 * createSecurity(config, logger, { wrapAuthenticator: (a) => relay.guard(a), onTokenEnded: relay.tokenEnded });
 * relay.connect(link, 'eh:cluster:revoked', node); relay.useLifetime(lifetime);
 */
export class RevocationRelay {
  /** Token hashes another node found dead, with when to forget them. */
  private readonly recent = new Map<string, { until: number; reason: TokenEndReason }>();
  private link?: PeerLink;
  private channel = '';
  private node = '';
  private lifetime?: TokenEnder;

  /** `memoryMs`: how long a dead token is refused here (cover the auth driver's cache TTL). */
  constructor(private readonly memoryMs: number, private readonly logger: Logger) {}

  connect(link: PeerLink, channel: string, node: string): void {
    this.link = link;
    this.channel = channel;
    this.node = node;
    link.subscribe(channel, (message) => this.hear(message));
  }

  useLifetime(lifetime: TokenEnder): void {
    this.lifetime = lifetime;
  }

  /** Called by this node's token lifetime when it finds a token dead: tells the other nodes. */
  readonly tokenEnded = (token: string, reason: TokenEndReason): void => {
    if (!this.link) return;
    const notice: Notice = { n: this.node, h: hashOf(token), r: reason };
    void this.link.publish(this.channel, JSON.stringify(notice));
  };

  /** Whether another node recently found this token dead; why, if so. */
  refused(token: string): TokenEndReason | undefined {
    const h = hashOf(token);
    const entry = this.recent.get(h);
    if (!entry) return undefined;
    if (entry.until > Date.now()) return entry.reason;
    this.recent.delete(h);
    return undefined;
  }

  /** The auth driver, refusing tokens other nodes found dead before asking it (its cache may still say yes). */
  guard(authenticator: Authenticator): Authenticator {
    const guarded: Authenticator = {
      authenticate: async (token: string): Promise<AuthResult> => {
        const reason = this.refused(token);
        if (reason) return { ok: false, reason, error: reason === 'expired' ? ErrorText.tokenExpired(token) : ErrorText.tokenRevoked(token) };
        return authenticator.authenticate(token);
      },
    };
    if (authenticator.authorize) guarded.authorize = authenticator.authorize.bind(authenticator);
    if (authenticator.reload) guarded.reload = authenticator.reload.bind(authenticator);
    if (authenticator.close) guarded.close = authenticator.close.bind(authenticator);
    return guarded;
  }

  private hear(message: string): void {
    let notice: Notice;
    try {
      notice = JSON.parse(message) as Notice;
    } catch {
      return;
    }
    if (notice.n === this.node || typeof notice.h !== 'string') return;
    const reason: TokenEndReason = notice.r === 'expired' ? 'expired' : 'invalid';
    const now = Date.now();
    for (const [h, entry] of this.recent) if (entry.until <= now) this.recent.delete(h);
    this.recent.set(notice.h, { until: now + this.memoryMs, reason });
    const ended = this.lifetime?.endToken((token) => hashOf(token) === notice.h, reason) ?? 0;
    if (ended > 0) this.logger.info({ from: notice.n, subscriptions: ended, reason }, 'ended subscriptions of a token another node found dead');
  }
}

// Owns building the security parts from the configuration: the auth driver, limits, admission gate,
// inbound guard, access control and token lifetime, wired together. The composition root calls it once.
import type { Logger } from 'pino';
import type { Config } from './config';
import type { Hub } from './hub/hub';
import { ClientAddressResolver } from './guard/client-address';
import { AccessControl } from './auth/access-control';
import { Admission } from './guard/admission';
import { AuthFailureTracker } from './guard/auth-failures';
import type { Authenticator } from './auth/authenticator';
import { ConnectionLimiter } from './guard/connection-limiter';
import { CrossbarAuthenticator } from './auth/crossbar';
import { InboundGuard } from './guard/inbound-guard';
import { JwtAuthenticator } from './auth/jwt';
import { createLimitsCounters, LimitsCounters } from './guard/limits-counters';
import { originPolicy } from './guard/origin-policy';
import { StaticTokenAuthenticator } from './auth/static-tokens';
import { TokenLifetime } from './lifetime/token-lifetime';

/**
 * The driver `EH_AUTH` names. `onReload` runs after credentials change on disk (tokens file or JWT key).
 * @example const authenticator = createAuthenticator(config, logger, () => lifetime.recheckAll());
 */
export function createAuthenticator(config: Config, logger: Logger, onReload: () => void = () => undefined): Authenticator {
  switch (config.auth) {
    case 'crossbar':
      return new CrossbarAuthenticator({ baseUrl: config.crossbarUrl!, cacheTtlMs: config.authCacheTtl * 1000, timeoutMs: config.crossbarTimeoutMs });
    case 'jwt':
      return new JwtAuthenticator(
        config.jwtPublicKey!,
        (err) => logger.error({ err: err.message }, 'JWT key reload failed; keeping the previous key'),
        {
          ...(config.jwtIssuer !== undefined ? { issuer: config.jwtIssuer } : {}),
          ...(config.jwtAudience !== undefined ? { audience: config.jwtAudience } : {}),
        },
        () => {
          logger.info({ file: config.jwtPublicKey }, 'JWT key file reloaded');
          onReload();
        },
      );
    case 'static':
      return new StaticTokenAuthenticator(
        config.tokensFile,
        (err) => logger.error({ err: err.message }, 'tokens file reload failed; keeping the previous tokens'),
        () => {
          logger.info({ file: config.tokensFile }, 'tokens file reloaded');
          onReload();
        },
      );
  }
}

/** Everything the composition root wires into the HTTP server, the transports and the hub. */
export interface Security {
  authenticator: Authenticator;
  counters: LimitsCounters;
  addresses: ClientAddressResolver;
  admission: Admission;
  guard: InboundGuard;
  access: AccessControl;
  /** Token lifetime over the hub's sessions: re-validation, expiry, ending what lost its token. */
  lifetime: TokenLifetime;
  close(): void;
}

/** Cluster-wide replacements for node-local parts (src/cluster), chosen by the composition root. */
export interface SecurityOptions {
  /** Counts connections per IP; default: this node's connections only. */
  limiter?: ConnectionLimiter;
  /** Wraps the auth driver (refusing tokens other nodes found dead). */
  wrapAuthenticator?: (authenticator: Authenticator) => Authenticator;
  /** Told when token lifetime finds a token dead. */
  onTokenEnded?: (token: string, reason: 'expired' | 'invalid') => void;
  /** Given the token lifetime once the hub exists. */
  onLifetime?: (lifetime: TokenLifetime) => void;
}

/**
 * Builds the security parts.
 * @example const security = createSecurity(config, logger, hub, counters, cluster.securityOptions); installDispatcher(server, transports, security.admission, routes);
 */
export function createSecurity(config: Config, logger: Logger, hub: Hub, counters: LimitsCounters = createLimitsCounters(), options: SecurityOptions = {}): Security {
  // Reloads re-validate what live subscriptions hold; the lifetime exists before any reload can happen.
  const late: { lifetime?: TokenLifetime } = {};
  const driver = createAuthenticator(config, logger, () => void late.lifetime?.recheckAll());
  const authenticator = options.wrapAuthenticator ? options.wrapAuthenticator(driver) : driver;
  const reload = authenticator.reload?.bind(authenticator);
  // A reload on SIGHUP also re-validates what live subscriptions hold.
  if (reload) {
    authenticator.reload = () => {
      reload();
      void late.lifetime?.recheckAll();
    };
  }
  const failures = new AuthFailureTracker({ maxFailures: config.maxAuthFailuresPerIp, blockSeconds: config.authBlockSeconds });
  const sweeper = setInterval(() => failures.sweep(), Math.max(1000, config.authBlockSeconds * 1000));
  sweeper.unref();
  const addresses = new ClientAddressResolver(config.trustedProxies);
  const admission = new Admission({
    limiter: options.limiter ?? new ConnectionLimiter(config.maxConnectionsPerIp),
    failures,
    originAllowed: originPolicy(config.allowedOrigins),
    addresses,
    counters,
    logger,
  });
  const guard = new InboundGuard({ maxMessageBytes: config.maxMessageBytes, perSecond: config.rateLimitPerSecond, burst: config.rateLimitBurst, counters, logger });
  const access = new AccessControl({ authenticator, failures, counters, logger });
  const created = new TokenLifetime({ hub, access, counters, logger, recheckMs: config.authRecheckSeconds * 1000, onTokenEnded: options.onTokenEnded });
  late.lifetime = created;
  options.onLifetime?.(created);
  access.onGrant(created.track);
  return {
    authenticator,
    counters,
    addresses,
    admission,
    guard,
    access,
    lifetime: created,
    close() {
      clearInterval(sweeper);
      created.close();
      authenticator.close?.();
    },
  };
}

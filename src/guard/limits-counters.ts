// Owns the counters of every abuse limit and policy refusal, as plain numbers a metrics module reads.
// Knows nothing about sockets; ops' `registerLimitsMetrics` exposes them on a prom-client registry passed in.

/** How often each limit or policy refused something, since start. */
export interface LimitsCounters {
  /** Connections refused because their IP already held `EH_MAX_CONNECTIONS_PER_IP`. */
  connectionsRefused: number;
  /** Connections refused by the origin policy (`EH_ALLOWED_ORIGINS`). */
  originsRefused: number;
  /** Connections and commands refused because their IP is blocked after failed logins. */
  blockedRefusals: number;
  /** Subscribes refused by `EH_MAX_BINDINGS_PER_CONNECTION`. */
  bindingsRefused: number;
  /** Inbound messages dropped by the per-connection token bucket. */
  rateLimited: number;
  /** Connections closed for flooding past the bucket. */
  rateLimitDisconnects: number;
  /** Inbound messages larger than `EH_MAX_MESSAGE_BYTES`. */
  messagesTooLarge: number;
  /** Tokens refused by the driver. */
  authFailures: number;
  /** IPs blocked after too many failed logins. */
  ipsBlocked: number;
  /** Commands answered "authentication service unavailable". */
  authUnavailable: number;
  /** Session subscriptions ended because their token expired, was revoked or lost access. */
  subscriptionsRevoked: number;
}

/**
 * Fresh zeroed counters.
 * @example const limits = createLimitsCounters(); limits.rateLimited++;
 */
export function createLimitsCounters(): LimitsCounters {
  return {
    connectionsRefused: 0, originsRefused: 0, blockedRefusals: 0, bindingsRefused: 0, rateLimited: 0,
    rateLimitDisconnects: 0, messagesTooLarge: 0, authFailures: 0, ipsBlocked: 0, authUnavailable: 0, subscriptionsRevoked: 0,
  };
}

export const LIMITS_HELP: Record<keyof LimitsCounters, string> = {
  connectionsRefused: 'Connections refused by the per-IP connection limit',
  originsRefused: 'Connections refused by the origin policy',
  blockedRefusals: 'Connections and commands refused from IPs blocked after failed logins',
  bindingsRefused: 'Subscribes refused by the bindings-per-connection limit',
  rateLimited: 'Inbound messages dropped by the per-connection rate limit',
  rateLimitDisconnects: 'Connections closed for flooding past the rate limit',
  messagesTooLarge: 'Inbound messages refused for their size',
  authFailures: 'Auth tokens refused',
  ipsBlocked: 'IPs blocked after too many failed logins',
  authUnavailable: 'Commands refused because the authentication service was unreachable',
  subscriptionsRevoked: 'Subscriptions ended because their token expired or lost access',
};

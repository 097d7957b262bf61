// Owns every error text sent to clients: KAZOO 4.3's exact strings, and plain ones for the cases KAZOO lacks.
// Monster UI matches on the `failed to authenticate token` prefix: never reword that one.

export const ErrorText = {
  tokenRequired: 'authentication token required',
  tokenRejected: (token: string) => `failed to authenticate token ${token}`,
  unauthorizedAccount: 'unauthorized account id',
  unauthorizedWildcard: 'unauthorized wildcard account id',
  missingData: 'missing required keys in data object',
  missingKeys: (keys: string[]) => `missing required keys : ${keys.join(', ')}`,
  invalidJson: (detail: string) => `invalid JSON: ${detail}`,
  notAnObject: 'message must be a JSON object such as {"action":"subscribe","auth_token":"…","data":{…}}',
  unknownAction: (action: string, known: readonly string[]) =>
    `unknown action ${action}: expected one of ${known.join(', ')}`,
  invalidField: (detail: string) => `invalid message: ${detail}`,
  tooManyBindings: (max: number) => `too many bindings: at most ${max} per connection`,
  busUnavailable: 'event bus unavailable: the subscription could not be bound on RabbitMQ in time, try again',
  authUnavailable: 'authentication service unavailable',
  /** Sent unasked when a token that holds subscriptions expires; keeps Monster's prefix so it logs in again. */
  tokenExpired: (token: string) => `failed to authenticate token ${token}: token expired, its subscriptions ended`,
  tokenRevoked: (token: string) => `failed to authenticate token ${token}: token revoked or expired, its subscriptions ended`,
  /** Sent unasked when a still-valid token may no longer see an account it subscribed to. */
  accessWithdrawn: (accountId: string) => `unauthorized account id ${accountId}: access withdrawn, its subscriptions ended`,
  messageTooLarge: (bytes: number, max: number) => `message too large: ${bytes} bytes, at most ${max}`,
  /** The api action's path, once ".." and encoded dots are resolved, leaves the configured Crossbar base. */
  apiPathOutside: (path: string, base: string) =>
    `invalid message: "path" ${JSON.stringify(path.slice(0, 200))} leaves the Crossbar base ${base} (".." segments, encoded dots or separators)`,
  /** KAZOO's text for its per-connection token bucket. */
  rateLimited: (address: string) => `rate limiting threshold hit for ${address}!`,
  authBlocked: (ip: string, seconds: number) =>
    `too many failed authentication attempts from ${ip}: blocked for ${seconds} s`,
  /** HTTP 429 body when an IP holds its share of connections. */
  tooManyConnections: (ip: string, max: number) => `too many connections from ${ip}: at most ${max}`,
  /** HTTP 403 body when a browser page from another origin tries to connect. */
  originNotAllowed: (origin: string) => `origin ${origin} is not allowed (EH_ALLOWED_ORIGINS)`,
} as const;

// Owns the close codes the server sends on raw WebSocket connections (documented in docs/OPERATIONS.md).
// Numbers and their meaning only: who closes a connection, and when, is decided elsewhere.

/**
 * Close codes the server uses on purpose.
 * @example ws.close(CloseCodes.goingAway, 'server shutting down');
 */
export const CloseCodes = {
  /** Shutdown or drain: reconnect, preferably to another node. */
  goingAway: 1001,
  /** The client did not read fast enough; its send buffer passed `EH_MAX_BUFFERED_BYTES`. Reconnect (and resume). */
  tooSlow: 4008,
  /** An operator closed the connection from the admin console (logged with who and why). Reconnect. */
  operatorDisconnect: 4010,
  /** The client kept sending past the rate limit after being told to slow down. Reconnect later. */
  rateLimited: 4029,
  /**
   * A token this connection subscribed with expired, was revoked or lost an account: the server ended
   * the connection. Reconnect and subscribe again with the token the client holds now.
   */
  credentialsEnded: 4401,
} as const;

/** The reason sent with {@link CloseCodes.credentialsEnded} (at most 123 bytes). */
export const CREDENTIALS_ENDED_REASON = 'token ended: reconnect and subscribe again with a valid token';

// Owns the errors the client raises: the server's error replies (typed by what went wrong), request
// timeouts and requests cut by a closed connection. Knows nothing of sockets.

/** What an error reply was about, read from KAZOO's error texts. */
export type ReplyErrorKind =
  | 'token' // missing, unknown, expired or revoked token (`failed to authenticate token …`)
  | 'unauthorized' // the token may not see that account
  | 'invalid' // a malformed command or binding
  | 'unavailable' // the event bus or the auth service is away: try again
  | 'rate_limited' // too many commands, or too many failed logins
  | 'resume_expired' // the resume token is unknown or past the recovery window
  | 'other';

/** Classifies one error text of an error reply. */
export function replyErrorKind(text: string): ReplyErrorKind {
  if (text.startsWith('failed to authenticate token') || text === 'authentication token required') return 'token';
  if (text.startsWith('unauthorized')) return 'unauthorized';
  if (text.startsWith('resume token unknown')) return 'resume_expired';
  if (text.startsWith('rate limiting') || text.startsWith('too many failed')) return 'rate_limited';
  if (text.includes('unavailable') || text.startsWith('crossbar unreachable')) return 'unavailable';
  if (/^(invalid|missing|no available|event .* not supported|malformed|too many bindings|message|unknown action|ConferenceId|presence bindings)/.test(text)) return 'invalid';
  return 'other';
}

/**
 * The server answered a request with `status: "error"`.
 * @example try { await client.ping(); } catch (e) { if (e instanceof ReplyError && e.kind === 'token') … }
 */
export class ReplyError extends Error {
  readonly kind: ReplyErrorKind;
  constructor(
    /** The command's action. */
    readonly action: string,
    /** The reply's `data.errors`. */
    readonly errors: string[],
    /** The reply's whole `data`. */
    readonly data: Record<string, unknown>,
    readonly requestId: string,
  ) {
    super(`${action} failed: ${errors.join('; ') || 'no reason given'}`);
    this.name = 'ReplyError';
    this.kind = replyErrorKind(errors[0] ?? '');
  }
}

/** No reply came within the request's timeout. */
export class TimeoutError extends Error {
  constructor(readonly action: string, readonly timeoutMs: number) {
    super(`${action}: no reply within ${timeoutMs} ms`);
    this.name = 'TimeoutError';
  }
}

/** The connection closed (or the client was closed) before the reply came. */
export class ConnectionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConnectionError';
  }
}

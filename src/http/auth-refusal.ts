// Owns the HTTP status of an auth refusal (the access control's error text) for the bridge's HTTP APIs.
// Knows the refusal texts that change the status, nothing of routes or response shapes.
import { ErrorText } from '../protocol/error-texts';

/** The prefix of {@link ErrorText.authBlocked}: the IP is blocked after failed logins. */
const BLOCKED_PREFIX = 'too many failed authentication attempts';

/**
 * 503 while the auth backend is away, 429 for an IP blocked after failed logins, else `otherwise`
 * (401 for a refused token, 403 for a refused account).
 * @example refusalStatus(auth.error, 401) // 429 when auth.error is ErrorText.authBlocked(ip, 60)
 */
export function refusalStatus(text: string, otherwise: 401 | 403): 401 | 403 | 429 | 503 {
  if (text === ErrorText.authUnavailable) return 503;
  if (text.startsWith(BLOCKED_PREFIX)) return 429;
  return otherwise;
}

// Owns reading where a new connection must go from its first HTTP request head: a session's own worker
// (the `wN_` prefix its sid carries), the primary (machine-wide /metrics and /readyz), the worker a
// browser's affinity cookie names (so a reconnect finds the worker that keeps what it missed), or any.
// Knows request heads, sid shapes and the cookie, nothing of processes.

/** Where a connection goes. */
export type Route = { to: 'worker'; index: number } | { to: 'any' } | { to: 'primary' };

/** The cookie a worker sets on its responses; its value is the worker's index. */
const AFFINITY_COOKIE = 'eh_worker';

/** The prefix worker `index` puts before every session id it issues (Engine.IO sid, 0.9 sid). */
export function sidPrefix(index: number): string {
  return `w${index}_`;
}

/**
 * The `Set-Cookie` value worker `index` answers with. A session cookie (it goes when the browser closes),
 * sent back on every request to this host, WebSocket upgrades included; `SameSite=Lax` keeps it off
 * other sites' requests.
 * @example affinityCookie(1) // 'eh_worker=1; Path=/; HttpOnly; SameSite=Lax'
 */
export function affinityCookie(index: number): string {
  return `${AFFINITY_COOKIE}=${index}; Path=/; HttpOnly; SameSite=Lax`;
}

// `?sid=w3_…` (Engine.IO polling and upgrades), `/socket.io/1/xhr-polling/w3_…` (0.9 transports).
const PINNED = /(?:[?&]sid=|\/)w(\d{1,3})_/;
// `Cookie: a=b; eh_worker=3` (any header line, any place in the list; the first one wins).
const AFFINITY = new RegExp(`^cookie:(?:[^\\r\\n]*?[\\s;])?${AFFINITY_COOKIE}=(\\d{1,3})(?:;|\\s|$)`, 'im');
/** Paths the primary answers for the whole machine. */
const PRIMARY_PATHS = new Set(['/metrics', '/readyz']);

/**
 * The request head (request line and headers, without the blank line) once it has arrived in full;
 * undefined while it has not.
 * @example requestHead(Buffer.from('GET /x HTTP/1.1\r\nHost: a\r\n\r\n')) // 'GET /x HTTP/1.1\r\nHost: a'
 */
export function requestHead(bytes: Buffer): string | undefined {
  const end = bytes.indexOf('\r\n\r\n');
  return end < 0 ? undefined : bytes.subarray(0, end).toString('latin1');
}

/**
 * Where the request with this head goes (a head cut short routes by what it holds).
 * @example routeOf('GET /socket.io/?EIO=4&transport=polling&sid=w1_abc HTTP/1.1') // { to: 'worker', index: 1 }
 * @example routeOf('GET / HTTP/1.1\r\nCookie: eh_worker=2') // { to: 'worker', index: 2 }
 * @example routeOf('GET /metrics HTTP/1.1') // { to: 'primary' }
 */
export function routeOf(head: string): Route {
  const lineEnd = head.indexOf('\r\n');
  const line = lineEnd < 0 ? head : head.slice(0, lineEnd);
  const target = line.split(' ')[1] ?? '';
  const path = target.split('?')[0] ?? '';
  if (PRIMARY_PATHS.has(path)) return { to: 'primary' };
  const pinned = PINNED.exec(target);
  if (pinned) return { to: 'worker', index: Number(pinned[1]) };
  const affinity = lineEnd < 0 ? null : AFFINITY.exec(head.slice(lineEnd + 2));
  return affinity ? { to: 'worker', index: Number(affinity[1]) } : { to: 'any' };
}

// Owns reading where a new connection must go from the start of its first HTTP request: a session's
// own worker (the `wN_` prefix its sid carries), the primary (machine-wide /metrics and /readyz), or any.
// Knows request lines and sid shapes only, nothing of processes.

/** Where a connection goes. */
export type Route = { to: 'worker'; index: number } | { to: 'any' } | { to: 'primary' };

/** The prefix worker `index` puts before every session id it issues (Engine.IO sid, 0.9 sid). */
export function sidPrefix(index: number): string {
  return `w${index}_`;
}

// `?sid=w3_…` (Engine.IO polling and upgrades), `/socket.io/1/xhr-polling/w3_…` (0.9 transports).
const PINNED = /(?:[?&]sid=|\/)w(\d{1,3})_/;
/** Paths the primary answers for the whole machine. */
const PRIMARY_PATHS = new Set(['/metrics', '/readyz']);

/**
 * The request line of a request head, once it has arrived in full (undefined while it has not).
 * @example requestLine(Buffer.from('GET /x HTTP/1.1\r\nHost: a\r\n')) // 'GET /x HTTP/1.1'
 */
export function requestLine(head: Buffer): string | undefined {
  const end = head.indexOf('\r\n');
  return end < 0 ? undefined : head.subarray(0, end).toString('latin1');
}

/**
 * Where the request with this request line goes.
 * @example routeOf('GET /socket.io/?EIO=4&transport=polling&sid=w1_abc HTTP/1.1') // { to: 'worker', index: 1 }
 * @example routeOf('GET /metrics HTTP/1.1') // { to: 'primary' }
 */
export function routeOf(line: string): Route {
  const target = line.split(' ')[1] ?? '';
  const path = target.split('?')[0] ?? '';
  if (PRIMARY_PATHS.has(path)) return { to: 'primary' };
  const pinned = PINNED.exec(target);
  return pinned ? { to: 'worker', index: Number(pinned[1]) } : { to: 'any' };
}

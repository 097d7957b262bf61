// Owns reading socket.io 0.9 URLs: `/socket.io/1/` (handshake) and `/socket.io/1/{transport}/{sid}`.
// Pure string work: it knows nothing of sessions, sockets or HTTP responses.

/**
 * Every URL under protocol revision 1 (and nothing of Socket.IO v4's `/socket.io/?EIO=…`).
 * @example LEGACY_PATH.test('/socket.io/1/?t=1') // true
 */
export const LEGACY_PATH = /^\/socket\.io\/1(\/|\?|$)/;

/** The transports this server implements, in the order the handshake offers them. */
export const OFFERED_TRANSPORTS = ['websocket', 'xhr-polling', 'jsonp-polling'] as const;
export type OfferedTransport = (typeof OFFERED_TRANSPORTS)[number];

/** What a `/socket.io/1…` URL asks for. */
export type LegacyRequest =
  | { kind: 'handshake'; query: URLSearchParams }
  | { kind: 'transport'; transport: OfferedTransport; sid: string; query: URLSearchParams }
  /** `?disconnect` on any transport URL (or the empty transport of 0.9.16's unload request). */
  | { kind: 'disconnect'; sid: string; query: URLSearchParams }
  | { kind: 'unsupported'; transport: string; query: URLSearchParams }
  | { kind: 'invalid'; reason: string };

const TRANSPORT_PATH = /^\/socket\.io\/1\/([^/]*)\/([^/]+)\/?$/;
const SID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Classifies a request URL under `/socket.io/1`.
 * @example parseLegacyUrl('/socket.io/1/xhr-polling/abc?t=1') // { kind: 'transport', transport: 'xhr-polling', sid: 'abc', … }
 */
export function parseLegacyUrl(url: string): LegacyRequest {
  const q = url.indexOf('?');
  const pathname = q < 0 ? url : url.slice(0, q);
  const query = new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
  if (pathname === '/socket.io/1' || pathname === '/socket.io/1/') return { kind: 'handshake', query };
  const match = TRANSPORT_PATH.exec(pathname);
  if (!match) return { kind: 'invalid', reason: `not a socket.io 0.9 URL: ${pathname.slice(0, 100)}` };
  const [, transport, sid] = match as unknown as [string, string, string];
  if (!SID.test(sid)) return { kind: 'invalid', reason: 'malformed session id' };
  if (query.has('disconnect')) return { kind: 'disconnect', sid, query };
  if ((OFFERED_TRANSPORTS as readonly string[]).includes(transport)) return { kind: 'transport', transport: transport as OfferedTransport, sid, query };
  return { kind: 'unsupported', transport, query };
}

/**
 * A JSONP callback index, only when it is a plain number (never a caller-chosen name: that would be XSS).
 * @example jsonpIndex(new URLSearchParams('jsonp=3'), 'jsonp') // 3
 */
export function jsonpIndex(query: URLSearchParams, name: 'jsonp' | 'i'): number | undefined {
  const value = query.get(name);
  return value !== null && /^[0-9]{1,6}$/.test(value) ? Number(value) : undefined;
}

/**
 * The text of a refusal for a transport this server does not offer (htmlfile, flashsocket, anything else).
 * @example unsupportedTransportText('htmlfile') // 'transport not supported: htmlfile; this server offers websocket, …'
 */
export function unsupportedTransportText(transport: string): string {
  const name = transport === '' ? '(none)' : transport.slice(0, 40);
  return `transport not supported: ${name}; this server offers ${OFFERED_TRANSPORTS.join(', ')}`;
}

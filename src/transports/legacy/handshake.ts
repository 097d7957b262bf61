// Owns the 0.9 handshake `GET /socket.io/1/?t=…`: a new session and its `sid:HB:CLOSE:transports`
// line, as plain text or JSONP `io.j[N]("…");`. Knows nothing of transports after the handshake.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJsonp, sendPlain, sendPreflight } from './http-replies';
import type { LegacyTimings } from './legacy-connection';
import { jsonpIndex, OFFERED_TRANSPORTS } from './legacy-url';

/** Seconds as the handshake writes them (the client multiplies by 1000; never empty, never 0). */
function seconds(ms: number): string {
  return String(Math.max(ms, 1) / 1000);
}

/**
 * The handshake line: sid, heartbeat timeout and close timeout in seconds, offered transports.
 * @example handshakeLine('abc', timings) // 'abc:60:60:websocket,xhr-polling,jsonp-polling'
 */
export function handshakeLine(sid: string, timings: LegacyTimings): string {
  return `${sid}:${seconds(timings.heartbeatTimeoutMs)}:${seconds(timings.closeTimeoutMs)}:${OFFERED_TRANSPORTS.join(',')}`;
}

/**
 * Answers a handshake: `openSession()` creates the session and returns its sid.
 * @example answerHandshake(req, res, query, () => registry.create(make).sid, timings);
 */
export function answerHandshake(req: IncomingMessage, res: ServerResponse, query: URLSearchParams, openSession: () => string, timings: LegacyTimings): void {
  if (req.method === 'OPTIONS') return sendPreflight(req, res);
  if (req.method !== 'GET' && req.method !== 'POST') return sendPlain(req, res, 405, 'handshake error: use GET');
  const line = handshakeLine(openSession(), timings);
  const jsonp = jsonpIndex(query, 'jsonp');
  if (jsonp !== undefined) return sendJsonp(req, res, jsonp, line);
  sendPlain(req, res, 200, line);
}

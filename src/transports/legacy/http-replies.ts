// Owns the HTTP side of 0.9 answers: CORS headers that echo the Origin (the 0.9.6 client sends
// credentials), plain-text and JSONP bodies. Knows nothing of sessions or packets.
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';

/**
 * CORS headers for a 0.9 answer: the request's Origin echoed with credentials allowed (never `*`).
 * @example res.writeHead(200, { ...corsHeaders(req), 'Content-Type': 'text/plain' })
 */
export function corsHeaders(req: IncomingMessage): OutgoingHttpHeaders {
  const origin = req.headers.origin;
  if (typeof origin !== 'string' || origin === '') return {};
  return { 'Access-Control-Allow-Origin': origin, 'Access-Control-Allow-Credentials': 'true', Vary: 'Origin' };
}

function send(req: IncomingMessage, res: ServerResponse, status: number, contentType: string, body: string, extra: OutgoingHttpHeaders = {}): void {
  if (res.headersSent || res.writableEnded) return;
  res.writeHead(status, {
    ...corsHeaders(req),
    'Content-Type': contentType,
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
    ...extra,
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/**
 * A `text/plain; charset=UTF-8` answer (what the 0.9 client reads from `responseText`).
 * @example sendPlain(req, res, 200, 'sid:60:60:websocket,xhr-polling')
 */
export function sendPlain(req: IncomingMessage, res: ServerResponse, status: number, body: string): void {
  send(req, res, status, 'text/plain; charset=UTF-8', body);
}

/**
 * A JavaScript string literal safe inside a script: JSON plus escaped U+2028/U+2029.
 * @example scriptString('1::') // '"1::"'
 */
export function scriptString(text: string): string {
  return JSON.stringify(text).replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/**
 * A JSONP answer `io.j[N]("…");` for a numeric callback index.
 * @example sendJsonp(req, res, 0, '1::') // io.j[0]("1::");
 */
export function sendJsonp(req: IncomingMessage, res: ServerResponse, index: number, body: string): void {
  send(req, res, 200, 'text/javascript; charset=UTF-8', `io.j[${index}](${scriptString(body)});`, { 'X-XSS-Protection': '0' });
}

/**
 * Answers a CORS preflight (stray, since 0.9 requests are simple ones) with the same headers.
 * @example if (req.method === 'OPTIONS') return sendPreflight(req, res);
 */
export function sendPreflight(req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(204, {
    ...corsHeaders(req),
    'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
    'Access-Control-Allow-Headers': 'Content-Type',
    'Access-Control-Max-Age': '600',
    'Content-Length': 0,
  });
  res.end();
}

/** A request body read by {@link readBody}; `head` is its first `maxBytes` as text, kept even when it is too large. */
export interface ReadBody {
  text: string;
  head: string;
  bytes: number;
  tooLarge: boolean;
  aborted: boolean;
}

/**
 * Reads a request body as UTF-8 (decoded once, so multi-byte characters never split) up to `maxBytes`;
 * beyond that the rest is drained and dropped and `tooLarge` is set; `aborted` when the client went away.
 * @example const body = await readBody(req, 65536); if (body.tooLarge) …
 */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<ReadBody> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let kept = 0;
    let bytes = 0;
    req.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (kept < maxBytes) {
        chunks.push(kept + chunk.length > maxBytes ? chunk.subarray(0, maxBytes - kept) : chunk);
        kept = Math.min(maxBytes, kept + chunk.length);
      }
    });
    const finish = (aborted: boolean) => {
      const head = Buffer.concat(chunks).toString('utf8');
      resolve({ text: bytes <= maxBytes ? head : '', head, bytes, tooLarge: bytes > maxBytes, aborted });
    };
    req.on('end', () => finish(false));
    req.on('error', () => finish(true));
    req.on('aborted', () => finish(true));
  });
}

// Owns the JSON edges of the small HTTP API: writing a JSON answer (plain, error or 405) and reading a bounded JSON body.
// Knows nothing about routes, auth or the bridge.
import type { IncomingMessage, ServerResponse } from 'node:http';

/** A request handler that answers and returns true, or returns false to let the next one try. */
export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

/**
 * Writes one JSON answer, never cached.
 * @example sendJson(res, 404, { status: 'error', message: 'nothing here' });
 */
export function sendJson(res: ServerResponse, status: number, body: unknown, head = false, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    ...headers,
  });
  res.end(head ? undefined : text);
}

/**
 * Writes `{"status":"error","message":…}` with `status` (and any extra headers), never cached.
 * @example sendError(res, 401, 'admin token required', { 'WWW-Authenticate': 'Bearer' });
 */
export function sendError(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  sendJson(res, status, { status: 'error', message }, false, headers);
}

/**
 * Answers 405 with an `Allow` header: "`METHOD` not allowed on `path`: use `hint`" (by default the first allowed method).
 * @example sendMethodNotAllowed(req, res, '/api/bindings', ['GET', 'HEAD']); // "DELETE not allowed on /api/bindings: use GET"
 */
export function sendMethodNotAllowed(req: IncomingMessage, res: ServerResponse, path: string, allowed: readonly string[], hint = allowed[0]): void {
  sendError(res, 405, `${req.method} not allowed on ${path}: use ${hint}`, { Allow: allowed.join(', ') });
}

/** Why a body could not be read, as a message for the caller. */
export class BodyError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/**
 * Reads a JSON request body of at most `maxBytes`; rejects with a BodyError (413 or 400).
 * @example const body = await readJsonBody(req, 4096);
 */
export function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > maxBytes) {
        failed = true;
        reject(new BodyError(413, `request body too large: at most ${maxBytes} bytes`));
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('error', (err) => {
      if (!failed) reject(new BodyError(400, err.message));
      failed = true;
    });
    req.on('end', () => {
      if (failed) return;
      const text = Buffer.concat(chunks).toString('utf8');
      try {
        resolve(text === '' ? {} : JSON.parse(text));
      } catch (err) {
        reject(new BodyError(400, `invalid JSON: ${(err as Error).message}`));
      }
    });
  });
}

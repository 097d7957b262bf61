// Owns the plain HTTP surface on the shared port: health, readiness, the demo page and its assets.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { serveStatic, ExtraFiles } from './static-files';
import { RequestHandler, sendJson } from './json-io';

export interface HttpRoutesOptions {
  publicDir: string;
  extraFiles: ExtraFiles;
  /** Readiness: RabbitMQ connected and every binding in place. */
  readiness: () => { ready: boolean; checks: Record<string, unknown> };
  /** Small APIs tried in order before the static files (e.g. /api/bindings, /api/demo). */
  handlers?: readonly RequestHandler[];
}

/**
 * The request handler for everything that is not Socket.IO or a WebSocket upgrade.
 * @example http.createServer(httpRoutes({ publicDir, extraFiles, readiness }))
 */
export function httpRoutes(opts: HttpRoutesOptions): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const pathname = (req.url ?? '/').split('?')[0];
    const head = req.method === 'HEAD';
    // Every handler parses the target with `new URL`, which throws on some (`//[`): refuse those here,
    // once, rather than let one request throw out of the listener and take the process down.
    if (!URL.canParse(req.url ?? '/', 'http://localhost')) return sendJson(res, 400, { status: 'error', message: 'malformed request target' }, head);
    if (pathname === '/healthz') return sendJson(res, 200, { status: 'ok' }, head);
    if (pathname === '/readyz') {
      const r = opts.readiness();
      return sendJson(res, r.ready ? 200 : 503, { status: r.ready ? 'ready' : 'not ready', ...r.checks }, head);
    }
    if (opts.handlers?.some((handle) => handle(req, res))) return;
    if (serveStatic(req, res, opts.publicDir, opts.extraFiles)) return;
    sendJson(res, 404, { status: 'error', message: `nothing at ${pathname}` }, head);
  };
}

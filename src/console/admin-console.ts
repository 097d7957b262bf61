// Owns the operator console's HTTP surface: the page at /admin (static files, served only when
// EH_ADMIN_TOKEN is set, with a strict content policy), the live stream, one connection's detail and
// the audited disconnect. Every data route checks the admin token the way the admin API does.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import Joi from 'joi';
import { admitAdmin } from '../cluster/admin-api';
import type { ConnectionDirectory } from '../cluster/connection-directory';
import type { ConsoleStreams } from './admin-console-stream';
import { BodyError, readJsonBody, RequestHandler, sendError, sendJson, sendMethodNotAllowed } from '../http/json-io';
import { serveStatic } from '../http/static-files';

export const CONSOLE_PATH = '/admin';
export const STREAM_PATH = '/api/stream';
/** `/api/sockets/<session id>` and `/api/sockets/<session id>/disconnect` (ids are UUIDs). */
const SOCKET_ROUTE = /^\/api\/sockets\/([0-9A-Za-z_-]{1,64})(\/disconnect)?$/;

/** The page may load and connect only to this bridge: no CDN, no outside request, no framing. */
const PAGE_HEADERS: Record<string, string> = {
  'Content-Security-Policy': "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
};

const disconnectSchema = Joi.object({ reason: Joi.string().trim().min(1).max(200).default('disconnected by an operator') });

export interface AdminConsoleOptions {
  adminToken: string | undefined;
  /** public/: the page lives in public/admin/. */
  publicDir: string;
  streams: ConsoleStreams;
  directory: ConnectionDirectory;
  /** The requester's address, for the audit log line. */
  addressOf: (req: IncomingMessage) => { ip: string };
  logger: Logger;
}

function servePage(req: IncomingMessage, res: ServerResponse, opts: AdminConsoleOptions, pathname: string): boolean {
  if (!opts.adminToken) {
    sendError(res, 403, 'the admin console is off: set EH_ADMIN_TOKEN to use it');
    return true;
  }
  if (pathname === CONSOLE_PATH) {
    res.writeHead(308, { Location: `${CONSOLE_PATH}/` });
    res.end();
    return true;
  }
  for (const [name, value] of Object.entries(PAGE_HEADERS)) res.setHeader(name, value);
  if (serveStatic(req, res, opts.publicDir)) return true;
  sendError(res, 404, `nothing at ${pathname}`);
  return true;
}

async function disconnect(req: IncomingMessage, res: ServerResponse, opts: AdminConsoleOptions, id: string): Promise<void> {
  let body: unknown;
  try {
    body = await readJsonBody(req, 4096);
  } catch (err) {
    return sendError(res, err instanceof BodyError ? err.status : 400, (err as Error).message);
  }
  const { value, error } = disconnectSchema.validate(body);
  if (error) return sendError(res, 400, error.message);
  const reason = (value as { reason: string }).reason;
  const closed = await opts.directory.close(id, reason);
  if (!closed) return sendError(res, 404, `no connection ${id} on any node that answered`);
  opts.logger.warn(
    { audit: 'admin_disconnect', session: id, node: closed.node, generation: closed.generation, client_ip: closed.ip, accounts: closed.accounts, reason, by: opts.addressOf(req).ip },
    'operator disconnected a connection',
  );
  sendJson(res, 200, { status: 'success', data: { disconnected: closed, reason } });
}

async function socketRoute(req: IncomingMessage, res: ServerResponse, opts: AdminConsoleOptions, id: string, close: boolean): Promise<void> {
  if (close) return disconnect(req, res, opts, id);
  const list = await opts.directory.list({ id, limit: 1 }, new URLSearchParams({ id }));
  const found = list.connections[0];
  if (!found) return sendError(res, 404, `no connection ${id} on any node that answered`);
  sendJson(res, 200, { status: 'success', data: found }, req.method === 'HEAD');
}

/**
 * The console's routes as one request handler (put it before the admin API's).
 * @example httpRoutes({ …, handlers: [adminConsole({ adminToken, publicDir, streams, directory, addressOf, logger }), cluster.api] })
 * // curl -N -H "Authorization: Bearer $EH_ADMIN_TOKEN" http://localhost:5555/api/stream
 */
export function adminConsole(opts: AdminConsoleOptions): RequestHandler {
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const pathname = url.pathname;
    if (pathname === CONSOLE_PATH || pathname.startsWith(`${CONSOLE_PATH}/`)) {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        sendMethodNotAllowed(req, res, pathname, ['GET', 'HEAD']);
        return true;
      }
      return servePage(req, res, opts, pathname);
    }
    const socket = SOCKET_ROUTE.exec(pathname);
    if (pathname !== STREAM_PATH && !socket) return false;
    const close = socket?.[2] !== undefined;
    const allowed = close ? ['POST'] : ['GET', 'HEAD'];
    if (!allowed.includes(req.method ?? 'GET')) {
      sendMethodNotAllowed(req, res, pathname, allowed);
      return true;
    }
    if (!admitAdmin(req, res, opts.adminToken)) return true;
    if (!socket) {
      opts.streams.open(res);
      return true;
    }
    socketRoute(req, res, opts, socket[1]!, close).catch((err: Error) => {
      opts.logger.error({ err, path: pathname }, 'admin console request failed');
      if (!res.headersSent) sendError(res, 500, `${pathname} failed: ${err.message}`);
    });
    return true;
  };
}

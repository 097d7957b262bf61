// Owns the operators' HTTP API: `GET /api/stats`, `POST /api/broadcast`, `GET /api/sockets`, all behind
// the admin token (`EH_ADMIN_TOKEN`). Knows the cluster only through the three functions it is given.
import { timingSafeEqual, createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { BodyError, readJsonBody, RequestHandler, sendError, sendJson, sendMethodNotAllowed } from '../http/json-io';
import { BroadcastMessage, BroadcastResult, broadcastSchema, toBroadcastMessage } from './broadcast';
import type { ClusterStats } from './node-stats';

export const STATS_PATH = '/api/stats';
export const BROADCAST_PATH = '/api/broadcast';
export const SOCKETS_PATH = '/api/sockets';

/** One Socket.IO connection as `fetchSockets()` sees it, on whichever node. */
export interface SocketView {
  id: string;
  node: string | undefined;
  rooms: string[];
}

export interface AdminApiOptions {
  /** `EH_ADMIN_TOKEN`; unset turns the API off (403). */
  adminToken: string | undefined;
  stats: (accountId?: string) => Promise<ClusterStats>;
  broadcast: (msg: BroadcastMessage) => Promise<BroadcastResult>;
  /** Socket.IO members of a room (or every socket) across the cluster. */
  sockets: (room?: string) => Promise<{ scope: 'cluster' | 'local'; sockets: SocketView[] }>;
  /** Fields added to the answer: every connection (all generations) matching the query's filters, when the console is wired. */
  connections?: (query: URLSearchParams) => Promise<Record<string, unknown> | undefined>;
  logger: Logger;
}

const PATHS: Record<string, string> = { [STATS_PATH]: 'GET', [BROADCAST_PATH]: 'POST', [SOCKETS_PATH]: 'GET' };

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** The token a request presents: `Authorization: Bearer …` or KAZOO's `X-Auth-Token`. */
function presentedToken(req: IncomingMessage): string | undefined {
  const auth = req.headers.authorization;
  if (typeof auth === 'string' && /^Bearer\s+/i.test(auth)) return auth.replace(/^Bearer\s+/i, '').trim();
  const header = req.headers['x-auth-token'];
  return typeof header === 'string' ? header : undefined;
}

/**
 * Refuses (and answers) a request without the admin token; true when it may go on. Shared by every
 * operator route (this API and the console's), so all of them check the token the same way.
 * @example if (!admitAdmin(req, res, config.adminToken)) return true;
 */
export function admitAdmin(req: IncomingMessage, res: ServerResponse, adminToken: string | undefined): boolean {
  if (!adminToken) {
    sendError(res, 403, 'the admin API is off: set EH_ADMIN_TOKEN to use it');
    return false;
  }
  const token = presentedToken(req);
  if (token === undefined || !timingSafeEqual(digest(token), digest(adminToken))) {
    sendError(res, 401, 'admin token required: send "Authorization: Bearer <EH_ADMIN_TOKEN>"', { 'WWW-Authenticate': 'Bearer' });
    return false;
  }
  return true;
}

async function broadcast(req: IncomingMessage, res: ServerResponse, opts: AdminApiOptions): Promise<void> {
  let body: unknown;
  try {
    body = await readJsonBody(req, 64 * 1024);
  } catch (err) {
    return sendError(res, err instanceof BodyError ? err.status : 400, (err as Error).message);
  }
  const { value, error: invalid } = broadcastSchema.validate(body);
  if (invalid) return sendError(res, 400, invalid.message);
  const result = await opts.broadcast(toBroadcastMessage(value));
  opts.logger.info({ room: result.room, event: result.event, members: result.members, nodes: result.nodes.length }, 'admin broadcast sent');
  sendJson(res, 200, { status: 'success', data: result });
}

async function answer(pathname: string, url: URL, req: IncomingMessage, res: ServerResponse, opts: AdminApiOptions): Promise<void> {
  if (pathname === BROADCAST_PATH) return broadcast(req, res, opts);
  if (pathname === STATS_PATH) {
    const account = url.searchParams.get('account_id') ?? undefined;
    return sendJson(res, 200, { status: 'success', data: await opts.stats(account) }, req.method === 'HEAD');
  }
  const room = url.searchParams.get('room') ?? undefined;
  const [view, connections] = await Promise.all([opts.sockets(room), opts.connections?.(url.searchParams)]);
  const data = { room: room ?? null, count: view.sockets.length, ...view, ...connections };
  sendJson(res, 200, { status: 'success', data }, req.method === 'HEAD');
}

/**
 * The admin API as one request handler.
 * @example httpRoutes({ …, handlers: [adminApi({ adminToken: config.adminToken, stats, broadcast, sockets, logger })] })
 * // curl -H "Authorization: Bearer $EH_ADMIN_TOKEN" http://localhost:5555/api/stats
 */
export function adminApi(opts: AdminApiOptions): RequestHandler {
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = PATHS[url.pathname];
    if (!method) return false;
    const allowed = method === 'GET' ? ['GET', 'HEAD'] : [method];
    if (!allowed.includes(req.method ?? 'GET')) {
      sendMethodNotAllowed(req, res, url.pathname, allowed);
      return true;
    }
    if (!admitAdmin(req, res, opts.adminToken)) return true;
    answer(url.pathname, url, req, res, opts).catch((err: Error) => {
      opts.logger.error({ err, path: url.pathname }, 'admin API request failed');
      if (!res.headersSent) sendError(res, 500, `${url.pathname} failed: ${err.message}`);
    });
    return true;
  };
}

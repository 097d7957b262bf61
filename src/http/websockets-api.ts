// Owns Crossbar's websockets API on the bridge's port, the shape Monster UI's SDK calls: the binding
// catalogue, an account's live connections, one connection's bindings: this node's sessions, plus the
// other nodes' when a cluster is configured (asked through `peers`).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { AccessControl } from '../auth/access-control';
import type { ClientAddress } from '../guard/client-address';
import { refusalStatus } from './auth-refusal';
import type { BindingCatalogue } from '../bindings/catalogue';
import type { Session } from '../hub/session';
import { CORS_HEADERS, CrossbarErrorCode, EnvelopeContext, crossbarError, crossbarSuccess, requestIdOf, sendEnvelope } from './crossbar-envelope';

export interface WebsocketsApiOptions {
  catalogue: BindingCatalogue;
  /** The node's live sessions (the hub's set, read on every request). */
  sessions: Iterable<Session>;
  /**
   * The sockets' own access control, so a failed token here counts towards EH_MAX_AUTH_FAILURES_PER_IP
   * and a blocked IP is refused, as on every socket.
   */
  access: AccessControl;
  /** The client address of a request (X-Forwarded-For from trusted proxies only). */
  addressOf: (req: IncomingMessage) => ClientAddress;
  version: string;
  /** This node's name, shown on each connection (`node`). */
  node?: string;
  /** Where a request that failed inside the bridge is logged (it is answered 500, never blamed on auth). */
  logger?: Logger;
  /** The other nodes' views of an account's connections (cluster mode); none on a single node. */
  peers?: (accountId: string, socketId: string | undefined) => Promise<Record<string, unknown>[]>;
}

/** Seconds between year 0 (KAZOO's Gregorian timestamps) and the Unix epoch. */
const GREGORIAN_OFFSET = 62167219200;
const ACCOUNT = /^[0-9a-f]{32}$/;

/** `GET /v2/websockets` data: KAZOO's `{family: [binding, …]}`, from each family's forms. */
export function bindingCatalogueData(catalogue: BindingCatalogue): Record<string, string[]> {
  return Object.fromEntries(catalogue.families.map((f) => [f.name, f.forms.map((form) => form.binding)]));
}

/** One connection as Crossbar shows it, limited to the bindings it holds for one account. */
export function describeSession(session: Session, accountId: string): Record<string, unknown> | undefined {
  const held = [...session.held.values()].filter((h) => h.accountId === accountId);
  if (held.length === 0) return undefined;
  return {
    account_id: accountId,
    bindings: held.map((h) => h.binding),
    websocket_session_id: session.id,
    timestamp: Math.floor(session.connectedAt / 1000) + GREGORIAN_OFFSET,
    connected_at: new Date(session.connectedAt).toISOString(),
    source: session.transport.remoteAddress,
    transport: session.transport.generation,
    subscriptions: held.map((h) => ({
      binding: h.binding,
      ...(h.name !== undefined ? { name: h.name } : {}),
      ...(h.metadata !== undefined ? { metadata: h.metadata } : {}),
      since: new Date(h.since).toISOString(),
    })),
  };
}

/**
 * This node's connections holding bindings of `accountId` (one, when `socketId` is given), as Crossbar shows them.
 * @example localViews(hub.sessions, accountId, undefined, cluster.node)
 */
export function localViews(sessions: Iterable<Session>, accountId: string, socketId: string | undefined, node?: string): Record<string, unknown>[] {
  const views: Record<string, unknown>[] = [];
  for (const session of sessions) {
    if (socketId !== undefined && session.id !== socketId) continue;
    const view = describeSession(session, accountId);
    if (view) views.push(node === undefined ? view : { ...view, node });
  }
  return views;
}

function tokenOf(req: IncomingMessage, url: URL): string | undefined {
  const header = req.headers['x-auth-token'];
  if (typeof header === 'string' && header !== '') return header;
  const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers['authorization'] ?? '');
  if (bearer) return bearer[1];
  return url.searchParams.get('auth_token') || undefined;
}

type Outcome = { status: 200; data: unknown } | { status: CrossbarErrorCode; extra?: Record<string, unknown> };

/**
 * The request handler; claims every `/v2/` path and answers in Crossbar's envelope.
 * @example httpRoutes({ …, handlers: [websocketsApi({ catalogue, sessions: hub.sessions, access, addressOf, version })] })
 */
export function websocketsApi(opts: WebsocketsApiOptions): (req: IncomingMessage, res: ServerResponse) => boolean {
  const catalogueData = bindingCatalogueData(opts.catalogue);

  /** The error answer when the caller may not see the account; undefined when it may. */
  async function refusal(req: IncomingMessage, token: string, accountId: string): Promise<Outcome | undefined> {
    const auth = await opts.access.authenticate(opts.addressOf(req).ip, token);
    if (!auth.ok) {
      const status = refusalStatus(auth.error, 401);
      // An IP blocked after failed logins gets 429 with the block's text, as its sockets' handshakes do.
      return status === 429 ? { status, extra: { message: auth.error } } : { status };
    }
    const denied = await opts.access.authorize(auth.identity, accountId, token);
    return denied ? { status: refusalStatus(denied, 403) } : undefined;
  }

  async function accountView(req: IncomingMessage, token: string | undefined, accountId: string, socketId: string | undefined): Promise<Outcome> {
    if (!token) return { status: 401 };
    const refused = await refusal(req, token, accountId);
    if (refused) return refused;
    const views = [...localViews(opts.sessions, accountId, socketId, opts.node), ...((await opts.peers?.(accountId, socketId)) ?? [])];
    if (socketId === undefined) return { status: 200, data: views };
    // A connection that holds nothing of this account does not exist for it.
    return views[0] ? { status: 200, data: views[0] } : { status: 404, extra: { not_found: `websocket ${socketId} not found` } };
  }

  async function answer(req: IncomingMessage, res: ServerResponse, url: URL, segments: string[]): Promise<void> {
    const token = tokenOf(req, url);
    const ctx: EnvelopeContext = { requestId: requestIdOf(req), authToken: token ?? '', version: opts.version };
    const head = req.method === 'HEAD';
    let outcome: Outcome;
    if (req.method !== 'GET' && !head) outcome = { status: 405 };
    else if (segments.length === 1 && segments[0] === 'websockets') outcome = { status: 200, data: catalogueData };
    else if (segments.length >= 3 && segments.length <= 4 && segments[0] === 'accounts' && ACCOUNT.test(segments[1]!) && segments[2] === 'websockets') {
      outcome = await accountView(req, token, segments[1]!, segments[3]);
    } else outcome = { status: 404, extra: { not_found: 'The path requested is invalid' } };
    if (outcome.status === 200) sendEnvelope(res, 200, crossbarSuccess(ctx, outcome.data), head);
    else sendEnvelope(res, outcome.status, crossbarError(ctx, outcome.status, outcome.extra), head);
  }

  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (!url.pathname.startsWith('/v2/')) return false;
    if (req.method === 'OPTIONS') {
      res.writeHead(204, CORS_HEADERS);
      res.end();
      return true;
    }
    const segments = url.pathname.slice(4).split('/').filter((s) => s !== '');
    answer(req, res, url, segments).catch((err: Error) => {
      // A bug or data that would not serialise: the bridge's own failure, said as such (never "auth unavailable").
      opts.logger?.error({ err, path: url.pathname }, 'websockets API request failed');
      if (!res.headersSent) sendEnvelope(res, 500, crossbarError({ requestId: requestIdOf(req), authToken: '', version: opts.version }, 500));
    });
    return true;
  };
}

// Owns the operators' view of connections across the cluster: every session of every client generation
// (account, IP, bindings, buffered bytes, token expiry), filtered by a query, and closing one by id on
// whichever node holds it. Other nodes are asked over the Socket.IO adapter; the hub is only read.
import Joi from 'joi';
import type { Server } from 'socket.io';
import type { Hub } from '../hub/hub';
import type { Session } from '../hub/session';
import { CloseCodes } from '../protocol/close-codes';
import { askOtherNodes } from './ask-nodes';

/** One connection as the console shows it. */
export interface ConnectionView {
  id: string;
  node: string;
  generation: string;
  ip: string;
  connected_at: string;
  age_seconds: number;
  accounts: string[];
  bindings: string[];
  subscriptions: Array<{ account_id: string; binding: string; name?: string; since: string }>;
  buffered_bytes: number;
  /** When the first token holding its subscriptions expires; null when none expires. */
  token_expires_at: string | null;
}

/** Filters of `GET /api/sockets` (every one optional; `q` matches any field, the others one exactly). */
export interface ConnectionQuery {
  q?: string;
  account_id?: string;
  generation?: string;
  ip?: string;
  binding?: string;
  id?: string;
  limit: number;
}

const text = Joi.string().max(200);
const querySchema = Joi.object<ConnectionQuery>({
  q: text.allow(''), account_id: text, generation: text, ip: text, binding: text, id: text,
  limit: Joi.number().integer().min(1).max(1000).default(200),
}).unknown(true);

/** The matching connections (at most `limit`), and how many matched in all. */
export interface ConnectionList {
  scope: 'cluster' | 'local';
  total: number;
  connections: ConnectionView[];
}

const LIST_QUERY = 'eh:admin:connections';
const CLOSE_QUERY = 'eh:admin:disconnect';
const ANSWER_MS = 2000;

/**
 * Reads the filters of a query string; an invalid one is an error text for the caller.
 * @example parseConnectionQuery(new URLSearchParams('q=10.0.0.5')) // { ok: true, query: { q: '10.0.0.5', limit: 200 } }
 */
export function parseConnectionQuery(params: URLSearchParams): { ok: true; query: ConnectionQuery } | { ok: false; error: string } {
  const { value, error } = querySchema.validate(Object.fromEntries(params));
  return error ? { ok: false, error: error.message } : { ok: true, query: value };
}

/**
 * Whether one connection matches every filter of `query`.
 * @example matches(view, { q: 'call.', limit: 200 }) // true when it holds a call binding
 */
export function matches(view: ConnectionView, query: ConnectionQuery): boolean {
  if (query.id !== undefined && view.id !== query.id) return false;
  if (query.account_id !== undefined && !view.accounts.includes(query.account_id)) return false;
  if (query.generation !== undefined && view.generation !== query.generation) return false;
  if (query.ip !== undefined && view.ip !== query.ip) return false;
  if (query.binding !== undefined && !view.bindings.includes(query.binding)) return false;
  const q = query.q?.trim().toLowerCase();
  if (!q) return true;
  return [view.id, view.generation, view.ip, view.node, ...view.accounts, ...view.bindings].some((field) => field.toLowerCase().includes(q));
}

export interface ConnectionDirectoryOptions {
  hub: Hub;
  node: string;
  /** When the first token of a session expires (token lifetime), if known. */
  expiresAt?: (session: Session) => number | undefined;
  /** True while other nodes can be asked (Redis up). */
  clusterUp: () => boolean;
}

/**
 * This node's connections plus the other nodes' answers.
 * @example const directory = new ConnectionDirectory({ hub, node, clusterUp }); directory.attach(io); await directory.list(query);
 */
export class ConnectionDirectory {
  private io?: Server;

  constructor(private readonly opts: ConnectionDirectoryOptions) {}

  /** Answers the other nodes' questions and lets this node ask them. */
  attach(io: Server): void {
    this.io = io;
    io.on(LIST_QUERY, (raw: unknown, ack: unknown) => {
      if (typeof ack !== 'function') return;
      const parsed = parseConnectionQuery(new URLSearchParams(typeof raw === 'string' ? raw : ''));
      (ack as (v: unknown) => void)(parsed.ok ? this.localList(parsed.query) : { total: 0, connections: [] });
    });
    io.on(CLOSE_QUERY, (id: unknown, reason: unknown, ack: unknown) => {
      if (typeof ack !== 'function') return;
      (ack as (v: unknown) => void)(typeof id === 'string' && typeof reason === 'string' ? this.closeLocal(id, reason) : undefined);
    });
  }

  /** One session as the console shows it. */
  view(session: Session, now = Date.now()): ConnectionView {
    const held = [...session.held.values()];
    const expires = this.opts.expiresAt?.(session);
    return {
      id: session.id,
      node: this.opts.node,
      generation: session.transport.label,
      ip: session.transport.remoteAddress,
      connected_at: new Date(session.connectedAt).toISOString(),
      age_seconds: Math.max(0, Math.round((now - session.connectedAt) / 1000)),
      accounts: [...new Set(held.map((h) => h.accountId))],
      bindings: session.bindings(),
      subscriptions: held.map((h) => ({ account_id: h.accountId, binding: h.binding, ...(h.name !== undefined ? { name: h.name } : {}), since: new Date(h.since).toISOString() })),
      buffered_bytes: session.transport.bufferedBytes(),
      token_expires_at: expires === undefined ? null : new Date(expires).toISOString(),
    };
  }

  private localList(query: ConnectionQuery): { total: number; connections: ConnectionView[] } {
    const now = Date.now();
    const found: ConnectionView[] = [];
    let total = 0;
    for (const session of this.opts.hub.sessions) {
      if (session.closed) continue;
      const view = this.view(session, now);
      if (!matches(view, query)) continue;
      total++;
      if (found.length < query.limit) found.push(view);
    }
    return { total, connections: found };
  }

  /** Connections matching `query` on every node that answers in time (this node's alone when Redis is away). */
  async list(query: ConnectionQuery, raw: URLSearchParams): Promise<ConnectionList> {
    const local = this.localList(query);
    if (!this.io || !this.opts.clusterUp()) return { scope: 'local', ...local };
    const { answers } = await askOtherNodes<{ total?: unknown; connections?: unknown }>(this.io, LIST_QUERY, [raw.toString()], ANSWER_MS);
    let total = local.total;
    const connections = [...local.connections];
    for (const answer of answers) {
      if (typeof answer?.total === 'number') total += answer.total;
      if (Array.isArray(answer?.connections)) connections.push(...(answer.connections as ConnectionView[]));
    }
    connections.sort((a, b) => a.connected_at.localeCompare(b.connected_at));
    return { scope: 'cluster', total, connections: connections.slice(0, query.limit) };
  }

  /** Closes one connection of this node; its view before closing, or undefined when it is not here. */
  private closeLocal(id: string, reason: string): ConnectionView | undefined {
    for (const session of this.opts.hub.sessions) {
      if (session.id !== id || session.closed) continue;
      const view = this.view(session);
      session.transport.drop(CloseCodes.operatorDisconnect, reason);
      return view;
    }
    return undefined;
  }

  /** Closes connection `id` on whichever node holds it; what it was, or undefined when no node has it. */
  async close(id: string, reason: string): Promise<ConnectionView | undefined> {
    const here = this.closeLocal(id, reason);
    if (here || !this.io || !this.opts.clusterUp()) return here;
    const { answers } = await askOtherNodes<ConnectionView | null | undefined>(this.io, CLOSE_QUERY, [id, reason], ANSWER_MS);
    return answers.find((a): a is ConnectionView => a !== null && typeof a === 'object') ?? undefined;
  }
}

// Owns this node's part in a cluster: the Redis link, the Socket.IO Redis adapter, the heartbeat that
// keeps its snapshot in Redis, broadcasts, stats and the admin API. Without a Redis URL: a cluster of one,
// or, for a worker of a multi-worker machine, the machine's workers (reached through its primary).
import os from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Server } from 'socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import type { Config } from '../config';
import type { SecurityOptions } from '../security';
import type { Hub } from '../hub/hub';
import type { Transport } from '../hub/transport';
import type { Session } from '../hub/session';
import { ConnectionDirectory, parseConnectionQuery } from './connection-directory';
import type { RequestHandler } from '../http/json-io';
import { localViews } from '../http/websockets-api';
import { adminApi, SocketView } from './admin-api';
import { askOtherNodes } from './ask-nodes';
import { answerQuery, isQueryFailure } from './answer-query';
import { Broadcaster, BroadcasterOptions, BroadcastMessage, BroadcastResult } from './broadcast';
import { NodeRegistry } from './node-registry';
import { ClusterStats, clusterStats, forAccount, NodeSnapshot, nodeSnapshot, NodeVitals } from './node-stats';
import { RedisLink } from './redis-link';
import type { ClusterConnectionLimiter } from './ip-limit';
import type { RevocationRelay } from './revocations';
import { buildRelays } from './relays';
import type { PeerLink } from './peer-link';
import { RedisHistory } from './redis-history';
import { HistoryWriter } from './history-writer';
import { SessionDirectory } from './session-directory';
import { recoveringRedisAdapter, RestoreSocket } from './recovering-redis-adapter';

/** The settings the cluster reads (see config.ts). */
export type ClusterConfig = Pick<
  Config,
  'redisUrl' | 'redisPrefix' | 'clusterHeartbeatMs' | 'adminToken' | 'ipLimitScope' | 'maxConnectionsPerIp' | 'authCacheTtl' | 'recoveryWindowMs' | 'recoveryMaxEvents'
>;

/** The cluster's side of missed-event recovery (cluster mode with recovery on). */
export interface SharedHistoryParts {
  nodeTag: string;
  history: RedisHistory;
  writer: HistoryWriter;
  directory: SessionDirectory;
  windowMs: number;
  /** How long a live session's record outlives its node's last heartbeat. */
  liveTtlMs: number;
}

/** How Socket.IO v4 sessions are restored on any node (recovery-wiring.ts). */
export interface SocketRestore {
  restore: RestoreSocket;
  /** Makes a socket's coming close unrecoverable on every node. */
  refuse(sid: string): void;
}

/** The server-side event through which nodes ask each other for an account's connections. */
const WEBSOCKETS_QUERY = 'eh:websockets';
/** The server-side event through which nodes ask each other for their Socket.IO connections (of a room). */
const SOCKETS_QUERY = 'eh:sockets';
/** The server-side event through which the workers of one machine (without Redis) ask each other for their snapshots. */
const SNAPSHOT_QUERY = 'eh:snapshot';
/** How long other nodes have to answer a question (the Redis adapter's request timeout). */
const NODE_ANSWER_MS = 2000;

/** What the cluster serves once the node's parts exist. */
export interface ClusterParts {
  /** The Socket.IO server whose adapter reaches the other nodes. */
  io: Server;
  hub: Hub;
  fanout: BroadcasterOptions['fanout'];
  /** The transport whose connections `GET /api/sockets` lists (Socket.IO). */
  listed: Transport;
  /** This node's broker and drain state, shown with its snapshot. */
  vitals: () => Omit<NodeVitals, 'redis'>;
  /** When the first token of a session expires (token lifetime), if known. */
  expiresAt?: (session: Session) => number | undefined;
  /** Socket.IO v4 restores from the shared history (cluster mode with recovery on). */
  socketRestore?: SocketRestore;
}

/** This node as worker `index` of a machine; `link` reaches the machine's other workers (through its primary). */
export interface ClusterWorker {
  index: number;
  link: PeerLink;
}

/** Where this node's Redis stands: not configured, connected, or away (serving locally). */
export type RedisStatus = 'off' | 'up' | 'down';

/**
 * One node's cluster membership.
 * @example
 * const cluster = new Cluster(config, logger); const security = createSecurity(config, logger, cluster.securityOptions);
 * cluster.attach({ io, hub, fanout, listed, vitals }); httpRoutes({ …, handlers: [cluster.api] });
 * await cluster.start(url); … await cluster.close();
 */
export class Cluster {
  /** This node's name in stats and logs: host, pid, the worker index (`-wN`) and a random suffix. */
  readonly node: string;
  readonly api: RequestHandler;
  readonly link?: RedisLink;
  private readonly registry?: NodeRegistry;
  private readonly startedAt = new Date().toISOString();
  private url = '';
  private io?: Server;
  private hub?: Hub;
  /** The transport whose connections `GET /api/sockets` lists (Socket.IO). */
  private listed?: Transport;
  private readonly limiter?: ClusterConnectionLimiter;
  private readonly relay?: RevocationRelay;
  private readonly prefix: string;
  private readonly heartbeatMs: number;
  private broadcaster?: Broadcaster;
  private heartbeat?: NodeJS.Timeout;
  private readonly heartbeatListeners: Array<() => void> = [];
  /** Times Redis became unreachable since start. */
  private redisLosses = 0;
  private vitals?: () => Omit<NodeVitals, 'redis'>;
  private connectionDirectory?: ConnectionDirectory;
  /** Set for a worker of a machine without Redis: its siblings are its cluster (Socket.IO cluster adapter, IPC relay). */
  private readonly siblings?: PeerLink;
  /** Shared history and session records, when Redis is configured and recovery is on. */
  readonly shared?: SharedHistoryParts;

  /** `worker`: this node is one worker of a machine (see ClusterWorker); without it, a process of its own. */
  constructor(config: ClusterConfig, private readonly logger: Logger, worker?: ClusterWorker) {
    this.node = `${os.hostname()}-${process.pid}${worker ? `-w${worker.index}` : ''}-${randomBytes(3).toString('hex')}`;
    this.prefix = config.redisPrefix;
    this.heartbeatMs = config.clusterHeartbeatMs;
    if (worker && !config.redisUrl) this.siblings = worker.link;
    if (config.redisUrl) {
      this.link = new RedisLink({ url: config.redisUrl, logger, clientName: `event-horizon:${this.node}` });
      this.registry = new NodeRegistry(this.link.commands, this.prefix, this.heartbeatMs * 3);
      this.link.onChange((up) => {
        if (up) this.beat();
        else this.redisLosses++;
      });
      if (config.recoveryWindowMs > 0) {
        const link = this.link;
        const nodeTag = randomBytes(6).toString('hex');
        const history = new RedisHistory({ client: link.commands, prefix: this.prefix, nodeTag, windowMs: config.recoveryWindowMs, maxEvents: config.recoveryMaxEvents });
        const writer = new HistoryWriter(history, () => link.up, logger);
        link.onChange((up) => up && writer.redisBack());
        this.shared = {
          nodeTag,
          history,
          writer,
          directory: new SessionDirectory({ client: link.commands, prefix: this.prefix, positionsKey: (tag) => history.positionsKey(tag) }),
          windowMs: config.recoveryWindowMs,
          liveTtlMs: config.recoveryWindowMs + this.heartbeatMs * 3,
        };
      }
    }
    const relays = buildRelays(config, logger, this.node, { ...(this.link ? { redis: this.link } : {}), ...(worker ? { machine: worker.link } : {}) }, (l) => this.onHeartbeat(l));
    this.relay = relays.relay;
    this.limiter = relays.limiter;
    this.api = adminApi({
      adminToken: config.adminToken,
      stats: (account) => this.stats(account),
      broadcast: (msg) => this.broadcast(msg),
      sockets: (room) => this.sockets(room),
      connections: (query) => this.connections(query),
      logger,
    });
  }

  /** What the security parts take from the cluster: the cross-node IP cap and token revocations. */
  get securityOptions(): SecurityOptions {
    const relay = this.relay;
    if (!relay) return this.limiter ? { limiter: this.limiter } : {};
    return {
      ...(this.limiter ? { limiter: this.limiter } : {}),
      wrapAuthenticator: (authenticator) => relay.guard(authenticator),
      onTokenEnded: relay.tokenEnded,
      onLifetime: (lifetime) => relay.useLifetime(lifetime),
    };
  }

  /**
   * For `/readyz`: a Redis outage does not make the node unready (it keeps serving its own clients, and
   * every node would go out of the load balancer at once): `redis` says `ok`, `degraded` or `off`, and
   * `redis_detail` says why.
   */
  readonly readinessCheck = {
    name: 'redis',
    check: (): { ok: boolean; state: string; detail: string } => {
      const status = this.redisStatus;
      if (status === 'off') return { ok: true, state: 'off', detail: this.siblings ? 'not configured (the workers of one machine)' : 'not configured (single node)' };
      if (status === 'up') return { ok: true, state: 'ok', detail: 'connected' };
      return { ok: true, state: 'degraded', detail: 'unreachable: serving this node locally' };
    },
  };

  /** True while the other nodes can be asked: Redis is up, or this worker's siblings are one IPC hop away. */
  private get peersUp(): boolean {
    return this.siblings !== undefined || this.link?.up === true;
  }

  get redisStatus(): RedisStatus {
    if (!this.link) return 'off';
    return this.link.up ? 'up' : 'down';
  }

  /**
   * Attaches the Redis adapter (cluster mode) and the broadcaster. Call before the server listens.
   * Events and broadcasts are written by each node's own fan-out, so the adapter never carries them: no duplicates.
   */
  attach(parts: ClusterParts): void {
    const { io, hub, fanout, listed } = parts;
    this.io = io;
    this.hub = hub;
    this.listed = listed;
    this.vitals = parts.vitals;
    this.connectionDirectory = new ConnectionDirectory({ hub, node: this.node, expiresAt: parts.expiresAt, clusterUp: () => this.peersUp });
    this.connectionDirectory.attach(io);
    this.broadcaster = new Broadcaster({ io, node: this.node, fanout, ackTimeoutMs: NODE_ANSWER_MS });
    if (!this.link && !this.siblings) return;
    // Another node's websockets API asks for this node's connections of an account.
    io.on(WEBSOCKETS_QUERY, (accountId: unknown, socketId: unknown, ack: unknown) => {
      if (typeof accountId !== 'string' || typeof ack !== 'function') return;
      const views = () => localViews(hub.sessions, accountId, typeof socketId === 'string' ? socketId : undefined, this.node);
      answerQuery(ack as (answer: unknown) => void, views, { node: this.node, logger: this.logger, query: WEBSOCKETS_QUERY });
    });
    // Another node's operator API asks for this node's Socket.IO connections (of a room).
    io.on(SOCKETS_QUERY, (room: unknown, ack: unknown) => {
      if (typeof ack !== 'function') return;
      answerQuery(ack as (answer: unknown) => void, () => this.localSockets(typeof room === 'string' ? room : undefined), { node: this.node, logger: this.logger, query: SOCKETS_QUERY });
    });
    if (this.siblings) {
      // The workers of one machine ask each other for their snapshots (stats); the cluster adapter carries it.
      io.on(SNAPSHOT_QUERY, (ack: unknown) => {
        if (typeof ack === 'function') answerQuery(ack as (answer: unknown) => void, () => this.snapshot(), { node: this.node, logger: this.logger, query: SNAPSHOT_QUERY });
      });
      this.broadcaster.enableCluster(() => true);
      return;
    }
    if (!this.link) return;
    const { pub, sub } = this.link.adapterClients();
    const adapterOptions = { key: `${this.prefix}:socket.io`, requestsTimeout: NODE_ANSWER_MS };
    const restore = parts.socketRestore;
    // With recovery across nodes, Socket.IO restores from the shared history (recovery-wiring.ts).
    if (restore) io.adapter(recoveringRedisAdapter(pub, sub, adapterOptions, restore.restore, (sid) => restore.refuse(sid)));
    else io.adapter(createAdapter(pub, sub, adapterOptions));
    this.broadcaster.enableCluster(() => this.link?.up === true);
  }

  /** Connects to Redis (in the background when it is away) and starts the heartbeat. */
  async start(url: string): Promise<void> {
    this.url = url;
    if (this.siblings) {
      this.heartbeat = setInterval(() => this.beat(), this.heartbeatMs);
      this.heartbeat.unref();
    }
    if (!this.link) return;
    await this.link.start();
    this.heartbeat = setInterval(() => this.beat(), this.heartbeatMs);
    this.heartbeat.unref();
    this.beat();
  }

  /** Runs `listener` on every heartbeat (and when Redis comes back), for state other parts republish. */
  onHeartbeat(listener: () => void): void {
    this.heartbeatListeners.push(listener);
  }

  private snapshot(): NodeSnapshot {
    const snap = nodeSnapshot({ node: this.node, url: this.url, startedAt: this.startedAt }, this.hub?.sessions ?? [], this.hub?.index.roomCount ?? 0);
    const vitals = this.vitals?.();
    return vitals ? { ...snap, vitals: { ...vitals, redis: { status: this.redisStatus, losses: this.redisLosses } } } : snap;
  }

  private beat(): void {
    for (const l of this.heartbeatListeners) l();
    if (!this.registry || !this.link?.up) return;
    this.registry.write(this.snapshot()).catch((err: Error) => this.logger.debug({ err: err.message }, 'heartbeat not written'));
  }

  /** Cluster totals and each live node, from Redis; this node alone when Redis is off or away. */
  async stats(accountId?: string): Promise<ClusterStats> {
    let stats: ClusterStats | undefined;
    if (this.registry && this.link?.up) {
      try {
        const live = (await this.registry.readAll()).filter((s) => s.node !== this.node);
        stats = clusterStats([this.snapshot(), ...live], 'cluster');
      } catch (err) {
        this.logger.debug({ err: (err as Error).message }, 'cluster stats unavailable; answering for this node');
      }
    }
    if (this.siblings && this.io) {
      const { answers } = await askOtherNodes<unknown>(this.io, SNAPSHOT_QUERY, [], NODE_ANSWER_MS);
      const live = answers.filter((a): a is NodeSnapshot => typeof a === 'object' && a !== null && !isQueryFailure(a) && 'node' in a);
      stats = clusterStats([this.snapshot(), ...live], 'cluster');
    }
    stats ??= clusterStats([this.snapshot()], 'local');
    return accountId === undefined ? stats : forAccount(stats, accountId);
  }

  /** A push to a room on every node (see Broadcaster). */
  broadcast(msg: BroadcastMessage): Promise<BroadcastResult> {
    if (!this.broadcaster) throw new Error('the cluster is not attached to a Socket.IO server');
    return this.broadcaster.send(msg);
  }

  /** Every connection on every node (the console lists, shows and disconnects them); throws before attach. */
  get directory(): ConnectionDirectory {
    if (!this.connectionDirectory) throw new Error('the cluster is not attached to a hub');
    return this.connectionDirectory;
  }

  /** Fields for `GET /api/sockets`: every connection matching an operator's query. */
  private async connections(params: URLSearchParams): Promise<Record<string, unknown> | undefined> {
    if (!this.connectionDirectory) return undefined;
    const parsed = parseConnectionQuery(params);
    if (!parsed.ok) return { connections: [], connections_total: 0, connections_error: parsed.error };
    const list = await this.connectionDirectory.list(parsed.query, params);
    return { connections: list.connections, connections_total: list.total, connections_scope: list.scope };
  }

  /** This node's connections of the listed transport (in `room`, or all), from the hub's rooms. */
  private localSockets(room?: string): SocketView[] {
    const views: SocketView[] = [];
    for (const session of this.hub?.sessions ?? []) {
      if (session.closed || session.transport.target !== this.listed) continue;
      if (room !== undefined && !session.held.has(room)) continue;
      views.push({ id: session.transport.recoveryKey ?? session.id, node: this.node, rooms: [...session.held.keys()] });
    }
    return views;
  }

  /** Socket.IO connections (of a room, or all) across the cluster, each node answering for its own; this node's when Redis is away. */
  async sockets(room?: string): Promise<{ scope: 'cluster' | 'local'; sockets: SocketView[] }> {
    const local = this.localSockets(room);
    const io = this.io;
    if (!io || !this.peersUp) return { scope: 'local', sockets: local };
    const { answers, shortfall } = await askOtherNodes<unknown>(io, SOCKETS_QUERY, [room ?? null], NODE_ANSWER_MS);
    if (shortfall !== undefined) {
      this.logger.debug({ err: shortfall }, 'cluster-wide socket list incomplete; answering for this node');
      return { scope: 'local', sockets: local };
    }
    return { scope: 'cluster', sockets: [...local, ...(answers.filter(Array.isArray).flat() as SocketView[])] };
  }

  /**
   * The other nodes' connections of an account (one, with `socketId`), for the websockets API. A node that
   * does not answer within the adapter's 2 s is left out (logged), and so is every node when the question
   * could not be sent; none while Redis is off or away.
   */
  async peerWebsocketViews(accountId: string, socketId: string | undefined): Promise<Record<string, unknown>[]> {
    const io = this.io;
    if (!io || !this.peersUp) return [];
    const { answers, shortfall } = await askOtherNodes<unknown>(io, WEBSOCKETS_QUERY, [accountId, socketId ?? null], NODE_ANSWER_MS);
    if (shortfall !== undefined) this.logger.warn({ err: shortfall }, 'websockets API: a node did not answer; listing the others');
    for (const failed of answers.filter(isQueryFailure)) this.logger.warn({ err: failed.error, peer: failed.node }, 'websockets API: a node could not list its connections; listing the others');
    return answers.filter(Array.isArray).flat() as Record<string, unknown>[];
  }

  /** Leaves the cluster: removes this node's snapshot at once and closes Redis. */
  async close(): Promise<void> {
    if (this.heartbeat) clearInterval(this.heartbeat);
    if (!this.link) return;
    if (this.registry && this.link.up) await this.registry.remove(this.node).catch(() => undefined);
    await this.link.close();
  }
}

// Owns this node's part in a cluster: the Redis link, the Socket.IO Redis adapter, the heartbeat that
// keeps its snapshot in Redis, broadcasts, stats and the admin API. Without a Redis URL: a cluster of one.
import os from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Server } from 'socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import type { Config } from '../config';
import type { SecurityOptions } from '../auth/security';
import type { FanoutTarget } from '../hub/fanout';
import type { Hub } from '../hub/hub';
import type { RequestHandler } from '../http/json-io';
import { localViews } from '../http/websockets-api';
import { adminApi, SocketView } from './admin-api';
import { askOtherNodes } from './ask-nodes';
import { answerQuery, isQueryFailure } from './answer-query';
import { Broadcaster, BroadcastMessage, BroadcastResult } from './broadcast';
import { NodeRegistry } from './node-registry';
import { ClusterStats, clusterStats, forAccount, NodeSnapshot, nodeSnapshot, NodeVitals } from './node-stats';
import { RedisLink } from './redis-link';
import { ClusterConnectionLimiter } from './ip-limit';
import { RevocationRelay } from './revocations';
import type { PeerLink } from '../workers/peer-link';

/** The settings the cluster reads (see config.ts). */
export type ClusterConfig = Pick<
  Config,
  'redisUrl' | 'redisPrefix' | 'clusterHeartbeatMs' | 'adminToken' | 'ipLimitScope' | 'maxConnectionsPerIp' | 'authCacheTtl'
>;

/** The server-side event through which nodes ask each other for an account's connections. */
const WEBSOCKETS_QUERY = 'eh:websockets';
/** The server-side event through which the workers of one machine (without Redis) ask each other for their snapshots. */
const SNAPSHOT_QUERY = 'eh:snapshot';
/** How long other nodes have to answer a question (the Redis adapter's request timeout). */
const NODE_ANSWER_MS = 2000;

/** Where this node's Redis stands: not configured, connected, or away (serving locally). */
export type RedisStatus = 'off' | 'up' | 'down';

/**
 * One node's cluster membership.
 * @example
 * const cluster = new Cluster(config, logger); const security = createSecurity(config, logger, cluster.securityOptions);
 * httpRoutes({ …, handlers: [cluster.api] }); cluster.attach(io, hub, [websocket, legacy.fanout]);
 * await cluster.start(url); … await cluster.close();
 */
export class Cluster {
  /** This node's name in stats and logs: host, pid and a random suffix. */
  readonly node: string;
  readonly api: RequestHandler;
  readonly link?: RedisLink;
  private readonly registry?: NodeRegistry;
  private readonly startedAt = new Date().toISOString();
  private url = '';
  private io?: Server;
  private hub?: Hub;
  private limiter?: ClusterConnectionLimiter;
  private relay?: RevocationRelay;
  private readonly prefix: string;
  private readonly heartbeatMs: number;
  private broadcaster?: Broadcaster;
  private heartbeat?: NodeJS.Timeout;
  private readonly heartbeatListeners: Array<() => void> = [];
  /** Times Redis became unreachable since start. */
  private redisLosses = 0;
  /** This node's broker and drain state, shown with its snapshot (set by the composition root). */
  vitals?: () => Omit<NodeVitals, 'redis'>;
  /** Every connection matching an operator's query, for `GET /api/sockets` (set when the console is wired). */
  connections?: (query: URLSearchParams) => Promise<Record<string, unknown>>;

  /** Set for a worker of a machine without Redis: its siblings are its cluster (Socket.IO cluster adapter, IPC relay). */
  private readonly siblings?: PeerLink;

  /** `worker`: this node is worker `index` of a machine; `link` reaches the machine's other workers. */
  constructor(config: ClusterConfig, private readonly logger: Logger, worker?: { index: number; link: PeerLink }) {
    this.node = `${os.hostname()}-${process.pid}${worker ? `-w${worker.index}` : ''}-${randomBytes(3).toString('hex')}`;
    this.prefix = config.redisPrefix;
    this.heartbeatMs = config.clusterHeartbeatMs;
    if (worker && !config.redisUrl) {
      this.siblings = worker.link;
      this.relay = new RevocationRelay(config.authCacheTtl * 1000 + 5000, logger);
      this.relay.connect(worker.link, `${this.prefix}:cluster:revoked`, this.node);
    }
    // Per-IP caps count the whole machine: across its workers, or across the cluster when so asked.
    const limitLink = config.ipLimitScope === 'cluster' ? undefined : worker?.link;
    if (limitLink && config.maxConnectionsPerIp > 0) {
      this.limiter = new ClusterConnectionLimiter(config.maxConnectionsPerIp);
      this.limiter.connect({ link: limitLink, channel: `${this.prefix}:machine:ip`, node: this.node, staleMs: this.heartbeatMs * 3 });
      const limiter = this.limiter;
      this.onHeartbeat(() => limiter.publishSnapshot());
    }
    if (config.redisUrl) {
      this.link = new RedisLink({ url: config.redisUrl, logger, clientName: `event-horizon:${this.node}` });
      this.registry = new NodeRegistry(this.link.commands, this.prefix, this.heartbeatMs * 3);
      this.link.onChange((up) => {
        if (up) this.beat();
        else this.redisLosses++;
      });
      // A token another node found dead is refused here for as long as a driver may cache it.
      this.relay = new RevocationRelay(config.authCacheTtl * 1000 + 5000, logger);
      this.relay.connect(this.link, `${this.prefix}:cluster:revoked`, this.node);
      if (config.ipLimitScope === 'cluster' && config.maxConnectionsPerIp > 0) {
        this.limiter = new ClusterConnectionLimiter(config.maxConnectionsPerIp);
        this.limiter.connect({ link: this.link, channel: `${this.prefix}:cluster:ip`, node: this.node, staleMs: this.heartbeatMs * 3 });
        const limiter = this.limiter;
        this.onHeartbeat(() => limiter.publishSnapshot());
      }
    }
    this.api = adminApi({
      adminToken: config.adminToken,
      stats: (account) => this.stats(account),
      broadcast: (msg) => this.broadcast(msg),
      sockets: (room) => this.sockets(room),
      connections: (query) => this.connections?.(query) ?? Promise.resolve(undefined),
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
   * every node would go out of the load balancer at once); the state shows in `redis_detail`.
   */
  readonly readinessCheck = {
    name: 'redis',
    check: (): { ok: boolean; detail?: unknown } => {
      const status = this.redisStatus;
      if (status === 'off') return { ok: true, detail: this.siblings ? 'not configured (the workers of one machine)' : 'not configured (single node)' };
      return { ok: true, detail: status === 'up' ? 'connected' : 'unreachable: serving this node locally' };
    },
  };

  get redisStatus(): RedisStatus {
    if (!this.link) return 'off';
    return this.link.up ? 'up' : 'down';
  }

  /**
   * Attaches the Redis adapter (cluster mode) and the broadcaster. Call before the server listens.
   * AMQP events keep going out with `io.local`, so the adapter never carries them: no duplicates.
   */
  attach(io: Server, hub: Hub, localTargets: readonly FanoutTarget[]): void {
    this.io = io;
    this.hub = hub;
    this.broadcaster = new Broadcaster({ io, hub, node: this.node, localTargets, ackTimeoutMs: NODE_ANSWER_MS });
    io.on('connection', (socket) => {
      socket.data = { ...(socket.data as object), node: this.node };
    });
    if (!this.link && !this.siblings) return;
    // Another node's websockets API asks for this node's connections of an account.
    io.on(WEBSOCKETS_QUERY, (accountId: unknown, socketId: unknown, ack: unknown) => {
      if (typeof accountId !== 'string' || typeof ack !== 'function') return;
      const views = () => localViews(hub.sessions, accountId, typeof socketId === 'string' ? socketId : undefined, this.node);
      answerQuery(ack as (answer: unknown) => void, views, { node: this.node, logger: this.logger, query: WEBSOCKETS_QUERY });
    });
    if (this.siblings) {
      io.on(SNAPSHOT_QUERY, (ack: unknown) => {
        if (typeof ack === 'function') answerQuery(ack as (answer: unknown) => void, () => this.snapshot(), { node: this.node, logger: this.logger, query: SNAPSHOT_QUERY });
      });
      this.broadcaster.enableCluster(() => true);
      return;
    }
    if (!this.link) return;
    const { pub, sub } = this.link.adapterClients();
    io.adapter(createAdapter(pub, sub, { key: `${this.prefix}:socket.io`, requestsTimeout: NODE_ANSWER_MS }));
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

  /** Socket.IO connections (of a room, or all) across the cluster through `fetchSockets()`; this node's when Redis is away. */
  async sockets(room?: string): Promise<{ scope: 'cluster' | 'local'; sockets: SocketView[] }> {
    const io = this.io;
    if (!io) return { scope: 'local', sockets: [] };
    const view = (list: Array<{ id: string; data: unknown; rooms: Set<string> }>) =>
      list.map((s) => ({ id: s.id, node: (s.data as { node?: string } | undefined)?.node, rooms: [...s.rooms].filter((r) => r !== s.id) }));
    if (this.link?.up || this.siblings) {
      try {
        return { scope: 'cluster', sockets: view(await (room ? io.in(room) : io).fetchSockets()) };
      } catch (err) {
        this.logger.debug({ err: (err as Error).message }, 'cluster-wide fetchSockets failed; answering for this node');
      }
    }
    return { scope: 'local', sockets: view(await (room ? io.local.in(room) : io.local).fetchSockets()) };
  }

  /**
   * The other nodes' connections of an account (one, with `socketId`), for the websockets API. A node that
   * does not answer within the adapter's 2 s is left out (logged), and so is every node when the question
   * could not be sent; none while Redis is off or away.
   */
  async peerWebsocketViews(accountId: string, socketId: string | undefined): Promise<Record<string, unknown>[]> {
    const io = this.io;
    if (!io || !(this.link?.up || this.siblings)) return [];
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

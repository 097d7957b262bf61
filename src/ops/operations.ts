// Owns the operational layer of one app: metrics, readiness, slow-client policy, missed-event recovery
// and the graceful drain, wired to the hub, bus and servers the composition root hands over.
import type { Server as HttpServer } from 'node:http';
import type { Logger } from 'pino';
import type { Server as SocketIoServer, ServerOptions } from 'socket.io';
import { Gauge } from 'prom-client';
import { LimitsCounters, registerLimitsMetrics } from '../auth/limits-counters';
import type { TokenLifetime } from '../auth/token-lifetime';
import type { BindingCatalogue } from '../bindings/catalogue';
import type { Config } from '../config';
import type { CommandHandler } from '../hub/command-handler';
import type { Hub } from '../hub/hub';
import type { RequestHandler } from '../http/json-io';
import { BoundedRecovery, boundedRecoveryAdapter } from './bounded-recovery-adapter';
import { drain, DrainStep, flushClientBuffers, trackSockets } from './drain';
import { metricsRoute, ReadinessChecks } from './health';
import { generationOf, OpsMetrics } from './metrics';
import { registerBuildInfo, registerConnectionCounters, registerWireBytes } from './connection-metrics';
import { SessionRecovery } from './recovery';
import { SlowClientGuard } from './slow-clients';

export interface OperationsParts {
  config: Config;
  logger: Logger;
  hub: Hub;
  bus: { readonly ready: boolean; readonly boundCount: number; readonly reconnects: number; pause(): Promise<void> };
  handler: CommandHandler;
  catalogue: BindingCatalogue;
  io: SocketIoServer;
  httpServer: HttpServer;
  /** Abuse-limit counters (auth/limits-counters), exposed as `eh_limits_*_total`. */
  limits?: LimitsCounters;
  /** Socket.IO's recovery buffer, exposed as gauges. */
  socketIoRecovery?: SocketIoRecovery;
  /** Fan-out target names, pre-set as `eh_events_delivered_total{transport}` labels. */
  transports?: readonly string[];
  /** Version, commit and node name for `eh_build_info`. */
  build?: { version: string; commit: string; node: string };
  /** Token lifetime, told when recovered connections take over subscriptions and their tokens. */
  tokenLifetime?: Pick<TokenLifetime, 'recovered'>;
}

/** How the app closes its own parts during a drain. */
export interface ShutdownHooks {
  /** Tells every client to go (ws 1001, Socket.IO transport close, 0.9 transport close). */
  closeClients(): Promise<void>;
  /** Closes RabbitMQ, Redis and the rest; always runs. */
  closeBackends(): Promise<void>;
}

/** Socket.IO's side of recovery: its server options, and the bounded packet buffer when recovery is on. */
export interface SocketIoRecovery {
  options: Partial<ServerOptions>;
  buffer?: BoundedRecovery;
}

/**
 * Socket.IO connection-state recovery within `EH_RECOVERY_WINDOW_MS` (none when 0), keeping at most
 * `EH_RECOVERY_MAX_EVENTS` events (two packets each: the named event and `message`).
 * @example const recovery = socketIoRecovery(config); new Server(httpServer, { ...recovery.options })
 */
export function socketIoRecovery(config: Pick<Config, 'recoveryWindowMs' | 'recoveryMaxEvents'>): SocketIoRecovery {
  if (config.recoveryWindowMs <= 0) return { options: {} };
  const buffer = boundedRecoveryAdapter(config.recoveryMaxEvents * 2);
  return {
    options: { connectionStateRecovery: { maxDisconnectionDuration: config.recoveryWindowMs, skipMiddlewares: true }, adapter: buffer.adapter as unknown as ServerOptions['adapter'] },
    buffer,
  };
}

/**
 * Everything an operator needs from one running bridge.
 * @example const ops = new Operations({ config, logger, hub, bus, handler, catalogue, io, httpServer }); … await ops.shutdown(hooks);
 */
export class Operations {
  readonly metrics: OpsMetrics;
  readonly readiness: ReadinessChecks;
  readonly recovery: SessionRecovery;
  readonly slowClients: SlowClientGuard;
  readonly metricsRoute: RequestHandler;
  private readonly sockets: ReturnType<typeof trackSockets>;
  draining = false;

  constructor(private readonly parts: OperationsParts) {
    const { config, logger, hub, bus, handler, catalogue, io, httpServer } = parts;
    this.metrics = new OpsMetrics({ hub, bus, transports: parts.transports ?? [] });
    registerConnectionCounters(this.metrics.registry, hub);
    registerWireBytes(this.metrics.registry, httpServer);
    if (parts.build) registerBuildInfo(this.metrics.registry, parts.build);
    if (parts.limits) registerLimitsMetrics(parts.limits, this.metrics.registry);
    this.readiness = new ReadinessChecks(bus, () => this.draining);
    this.metricsRoute = metricsRoute(this.metrics);
    this.recovery = new SessionRecovery({
      hub,
      catalogue,
      logger,
      windowMs: config.recoveryWindowMs,
      maxEvents: config.recoveryMaxEvents,
      // The configured access control: the driver may have to ask (Crossbar's account tree).
      authorize: (identity, accountId, token) => handler.access.authorize(identity, accountId, token),
      onRecovered: (session) => {
        parts.tokenLifetime?.recovered(session).catch((err: Error) => logger.error({ err }, 'token re-validation after recovery failed'));
      },
    });
    const recovery = this.recovery;
    new Gauge({ name: 'eh_recovery_parked_sessions', help: 'Dropped connections whose subscriptions are kept for missed-event recovery', registers: [this.metrics.registry], collect() { this.set(recovery.parkedCount); } });
    new Gauge({ name: 'eh_recovery_journal_events', help: 'Events kept for raw WebSocket resume', registers: [this.metrics.registry], collect() { this.set(recovery.journal.size); } });
    const sioBuffer = parts.socketIoRecovery?.buffer;
    if (sioBuffer) {
      new Gauge({ name: 'eh_recovery_socketio_packets', help: 'Packets kept for Socket.IO v4 connection-state recovery', registers: [this.metrics.registry], collect() { this.set(sioBuffer.kept()); } });
      new Gauge({ name: 'eh_recovery_socketio_evicted_packets', help: 'Packets dropped from the Socket.IO recovery buffer by EH_RECOVERY_MAX_EVENTS since start', registers: [this.metrics.registry], collect() { this.set(sioBuffer.evicted()); } });
    }
    hub.parking = this.recovery;
    hub.addTarget(this.recovery.journal);
    hub.addTarget(this.metrics.fanoutObserver);
    this.recovery.attachSocketIo(io);
    handler.resume = async (session, command, identity) => {
      const accounts = () => new Set([...session.held.values()].map((h) => h.accountId));
      const before = accounts();
      const reply = await this.recovery.resume(session, command, identity);
      // The accounts resumed here hold on the resuming token (it was authorized for them): its end ends them.
      if (reply === undefined) {
        for (const accountId of accounts()) if (!before.has(accountId)) handler.access.granted(session, accountId, command.authToken ?? '', identity);
      }
      return reply;
    };
    handler.replyObservers.push((_session, reply) => this.metrics.countReply(reply), this.recovery.observeReply);
    this.slowClients = new SlowClientGuard(hub, this.metrics, logger, {
      maxBufferedBytes: config.maxBufferedBytes,
      onDrop: (session) => this.recovery.markResumable(session),
    });
    this.sockets = trackSockets(httpServer);
  }

  /**
   * Graceful drain within `EH_SHUTDOWN_TIMEOUT_MS`: readiness 503 and no new connections, stop consuming,
   * flush what clients are owed, tell them to go, wait for them, then close the back ends. Never rejects.
   */
  shutdown(hooks: ShutdownHooks): Promise<void> {
    const { config, logger, hub, bus, httpServer } = this.parts;
    const budget = config.shutdownTimeoutMs;
    this.draining = true;
    const steps: DrainStep[] = [
      {
        name: 'stop accepting',
        run: () => {
          this.draining = true;
          this.recovery.disable();
          this.slowClients.close();
          httpServer.close();
          httpServer.closeIdleConnections();
        },
      },
      { name: 'stop consuming from RabbitMQ', run: () => bus.pause() },
      { name: 'flush client buffers', run: () => flushClientBuffers(hub, Math.min(2000, budget / 3)) },
      {
        name: 'tell clients to reconnect elsewhere',
        run: () => {
          for (const session of hub.sessions) this.metrics.countDisconnect('shutdown', generationOf(session));
          return hooks.closeClients();
        },
      },
      {
        name: 'wait for clients to close',
        run: async () => {
          const until = Date.now() + budget;
          while (this.sockets.size > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
        },
      },
    ];
    return drain(steps, budget, logger, async () => {
      const cut = this.sockets.destroyAll();
      if (cut > 0) logger.warn({ connections: cut }, 'shutdown: cut connections still open at the deadline');
      await hooks.closeBackends();
      this.metrics.close();
    });
  }
}

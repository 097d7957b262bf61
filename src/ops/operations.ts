// Owns the operational layer of one app: metrics, readiness, slow-client policy, recovery gauges
// and the graceful drain, wired to the hub, bus and servers the composition root hands over.
import type { Server as HttpServer } from 'node:http';
import type { Logger } from 'pino';
import { Gauge } from 'prom-client';
import type { LimitsCounters } from '../guard/limits-counters';
import { registerLimitsMetrics } from './limits-metrics';
import type { Config } from '../config';
import type { Hub } from '../hub/hub';
import type { RequestHandler } from '../http/json-io';
import type { History } from '../recovery/history';
import type { ParkingLot } from '../recovery/parking';
import { drain, DrainStep, flushClientBuffers, trackSockets } from './drain';
import { metricsRoute, ReadinessCheck, ReadinessChecks } from './health';
import type { OpsMetrics } from './metrics';
import { registerBuildInfo, registerWireBytes } from './connection-metrics';
import { SlowClientGuard } from './slow-clients';

export interface OperationsParts {
  config: Config;
  logger: Logger;
  hub: Hub;
  bus: { readonly ready: boolean; readonly boundCount: number; readonly reconnects: number; readonly queueLosses: number; pause(): Promise<void> };
  metrics: OpsMetrics;
  httpServer: HttpServer;
  /** Recovery's history and parked connections, shown as gauges; parking stops at shutdown. */
  recovery: { history: History; parking: ParkingLot };
  /** Readiness checks besides RabbitMQ and the drain (Redis's, which never fails it). */
  readinessChecks?: readonly ReadinessCheck[];
  /** Abuse-limit counters (guard/limits-counters), exposed as `eh_limits_*_total`. */
  limits?: LimitsCounters;
  /** Version, commit and node name for `eh_build_info`. */
  build?: { version: string; commit: string; node: string };
}

/** How the app closes its own parts during a drain. */
export interface ShutdownHooks {
  /** Tells every client to go (ws 1001, Socket.IO transport close, 0.9 transport close). */
  closeClients(): Promise<void>;
  /** Closes RabbitMQ, Redis and the rest; always runs. */
  closeBackends(): Promise<void>;
}

/**
 * Everything an operator needs from one running bridge.
 * @example const ops = new Operations({ config, logger, hub, bus, metrics, httpServer, recovery }); … await ops.shutdown(hooks);
 */
export class Operations {
  readonly metrics: OpsMetrics;
  readonly readiness: ReadinessChecks;
  readonly slowClients: SlowClientGuard;
  readonly metricsRoute: RequestHandler;
  private readonly sockets: ReturnType<typeof trackSockets>;
  draining = false;

  constructor(private readonly parts: OperationsParts) {
    const { config, logger, hub, bus, metrics, httpServer } = parts;
    this.metrics = metrics;
    registerWireBytes(metrics.registry, httpServer);
    if (parts.build) registerBuildInfo(metrics.registry, parts.build);
    if (parts.limits) registerLimitsMetrics(parts.limits, metrics.registry);
    this.readiness = new ReadinessChecks(bus, () => this.draining, parts.readinessChecks ?? []);
    this.metricsRoute = metricsRoute(metrics);
    const { history, parking } = parts.recovery;
    const registers = [metrics.registry];
    new Gauge({ name: 'eh_recovery_parked_sessions', help: 'Dropped connections whose subscriptions are kept for missed-event recovery', registers, collect() { this.set(parking.count); } });
    new Gauge({ name: 'eh_recovery_journal_events', help: 'Events kept in the recovery history (raw WebSocket resume and Socket.IO v4 recovery)', registers, collect() { this.set(history.size); } });
    if (config.recoveryWindowMs > 0) {
      // The same history, counted as Socket.IO packets (the named event and `message`): the names operators know.
      new Gauge({ name: 'eh_recovery_socketio_packets', help: 'Packets kept for Socket.IO v4 connection-state recovery (two per event in the history)', registers, collect() { this.set(history.size * 2); } });
      new Gauge({ name: 'eh_recovery_socketio_evicted_packets', help: 'Packets dropped from the recovery history by EH_RECOVERY_MAX_EVENTS since start (two per event)', registers, collect() { this.set(history.evicted * 2); } });
    }
    this.slowClients = new SlowClientGuard(hub, metrics, logger, {
      maxBufferedBytes: config.maxBufferedBytes,
      onDrop: (session) => parking.markResumable(session),
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
          this.parts.recovery.parking.disable();
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
          for (const session of hub.sessions) this.metrics.countDisconnect('shutdown', session.transport.label);
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

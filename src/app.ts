// The composition root: builds every part from the config, wires them, starts and stops them in order.
import path from 'node:path';
import type { AddressInfo, Socket } from 'node:net';
import type { Logger } from 'pino';
import { Config, PROJECT_ROOT } from './config';
import { createSecurity, Security } from './security';
import { createLimitsCounters } from './guard/limits-counters';
import type { Authenticator } from './auth/authenticator';
import { BindingCatalogue } from './bindings/catalogue';
import { realmDirectory } from './bindings/realm-directory';
import { AmqpBus, busSettings } from './bus/amqp-bus';
import { Hub } from './hub/hub';
import { CommandHandler } from './hub/command-handler';
import { EventFanout } from './hub/event-fanout';
import { ChannelActions } from './hub/actions/channel-actions';
import type { Transport } from './hub/transport';
import { httpRoutes } from './http/http-routes';
import { clientLibraries } from './http/client-libraries';
import { bindingsApi } from './http/bindings-api';
import { websocketsApi } from './http/websockets-api';
import { demoApi, demoIdentityOf } from './http/demo-api';
import { installDispatcher } from './http/upgrade-dispatcher';
import { recoveryStore } from './recovery/recovery-store';
import { SessionRecovery } from './recovery/session-recovery';
import type { TransportParts, WorkerPlacement } from './transports/parts';
import { WebSocketTransport } from './transports/websocket/websocket-transport';
import { SocketIoTransport } from './transports/socketio/socketio-transport';
import { LegacySocketIoTransport } from './transports/legacy/legacy-transport';
import { COMMIT, VERSION } from './ops/version';
import { OpsMetrics } from './ops/metrics';
import { Operations } from './ops/operations';
import { createListener } from './ops/tls';
import { Cluster, ClusterWorker } from './cluster/cluster';
import { SharedHistory } from './cluster/shared-history';
import { SharedRecoveryHooks, wireSharedRecovery } from './cluster/recovery-wiring';
import { MemoryHistory } from './recovery/memory-history';
import { OperatorConsole } from './console/operator-console';
import { connectionLog } from './ops/connection-log';
import { ConnectionCounters } from './ops/connection-metrics';

export interface App {
  readonly config: Config;
  readonly url: string;
  readonly port: number;
  readonly hub: Hub;
  readonly bus: AmqpBus;
  readonly logger: Logger;
  readonly authenticator: Authenticator;
  /** Auth driver, limits, admission and their counters. */
  readonly security: Security;
  /** Every transport, in the order requests are offered to them. */
  readonly transports: readonly Transport[];
  /** Socket.IO 0.9 clients (sessions by sid). */
  readonly legacy: LegacySocketIoTransport;
  /** Cluster membership (Redis), stats, broadcasts and the admin API; a cluster of one without Redis. */
  readonly cluster: Cluster;
  /** Metrics, readiness, slow clients and the graceful drain. */
  readonly ops: Operations;
  /** Missed-event recovery: parked connections and their resumption. */
  readonly recovery: SessionRecovery;
  /** The operator console at /admin (its stream, connection directory and routes). */
  readonly console: OperatorConsole;
  /** A worker only: serves a connection the primary accepted (`head`: the bytes it already read). */
  readonly accept?: (socket: Socket, head: Buffer) => void;
  stop(): Promise<void>;
}

/**
 * How the app runs: alone (listening itself), or as worker `index` of a machine whose primary holds the
 * port, routes each connection by the `sidPrefix` its session ids carry (a browser's new ones by the
 * `affinityCookie` the worker sets), and relays `link` between workers.
 */
export interface AppRole {
  worker?: ClusterWorker & WorkerPlacement;
}

/**
 * Starts the bridge: HTTP + every transport on one port, RabbitMQ in the background.
 * @example const app = await startApp(loadConfig([], process.env), logger); … await app.stop();
 */
export async function startApp(config: Config, logger: Logger, role: AppRole = {}): Promise<App> {
  const worker = role.worker;
  const cluster = new Cluster(config, logger, worker && { index: worker.index, link: worker.link });
  const counters = createLimitsCounters();
  const catalogue = new BindingCatalogue();
  if (config.realmsFile) realmDirectory.loadFile(config.realmsFile);
  // Deliveries start only after bus.start(), below, when `fanout` exists.
  const bus = new AmqpBus({ url: config.amqpUrl, exchanges: catalogue.exchanges, logger, ...busSettings(config), onMessage: (exchange, key, body) => fanout.deliver(exchange, key, body) });
  // In a cluster with recovery on, clients may resume on any node (cluster/recovery-wiring.ts does the rest).
  const localHistory = new MemoryHistory({ windowMs: config.recoveryWindowMs, maxEvents: config.recoveryMaxEvents });
  const store = recoveryStore(config, logger, cluster.shared ? new SharedHistory(localHistory) : localHistory);
  /** Cross-node recovery, wired below once the fan-out exists; the callbacks before it reach it late. */
  const cross: { hooks?: SharedRecoveryHooks } = {};
  const connections = new ConnectionCounters();
  const hub = new Hub({
    catalogue, bus, logger, bindTimeoutMs: config.amqpBindTimeoutMs, maxBindingsPerConnection: config.maxBindingsPerConnection, limits: counters, parking: store.parking,
    observers: [connectionLog(logger, cluster.node), connections],
  });
  const security = createSecurity(config, logger, hub, counters, cluster.securityOptions);
  const tokenLifetime = security.lifetime;
  const metrics = new OpsMetrics({ hub, bus, connections, labels: () => transports.flatMap((t) => t.labels), transports: () => transports.map((t) => t.name) });
  const recovery = new SessionRecovery({
    hub, catalogue, logger, history: store.history, parking: store.parking, access: security.access,
    windowMs: config.recoveryWindowMs, clustered: config.redisUrl !== undefined,
    onRecovered: (session) => {
      cross.hooks?.resumed(session);
      void tokenLifetime.recovered(session).catch((err: Error) => logger.error({ err }, 'token re-validation after recovery failed'));
    },
    // Set with a shared history (then the hooks exist before any client connects).
    ...(cluster.shared ? { remote: (...args: Parameters<SharedRecoveryHooks['remote']>) => cross.hooks!.remote(...args) } : {}),
  });
  const handler = new CommandHandler({
    hub, catalogue, logger, access: security.access,
    resume: async (session, command, identity) => {
      const reply = await recovery.resume(session, command, identity);
      if (reply === undefined) cross.hooks?.resumed(session);
      return reply;
    },
    actions: new ChannelActions({ publisher: bus, crossbarUrl: config.crossbarUrl, version: VERSION }),
    replyObservers: [(_session, reply) => metrics.countReply(reply), recovery.observeReply, (session, reply) => cross.hooks?.observeReply(session, reply)],
  });
  const parts: TransportParts = { config, hub, handler, logger, guard: security.guard, addressOf: (req) => security.addresses.of(req), sessions: security.admission, recovery, ...(worker ? { worker: { sidPrefix: worker.sidPrefix, affinityCookie: worker.affinityCookie } } : {}) };
  const legacy = new LegacySocketIoTransport(parts);
  const socketio = new SocketIoTransport(parts);
  // Every transport, in the order each request is offered to them: 0.9 claims /socket.io/1/ before Socket.IO.
  const transports: Transport[] = [legacy, socketio, new WebSocketTransport(parts)];
  const fanout = new EventFanout({ hub, logger, transports, recorder: store.recorder, observers: [metrics.fanoutObserver] });
  const httpServer = createListener(config);
  const ops = new Operations({ config, logger, hub, bus, metrics, httpServer, recovery: store, limits: security.counters, readinessChecks: [cluster.readinessCheck],
    build: { version: VERSION, commit: COMMIT, node: cluster.node },
  });
  cross.hooks = wireSharedRecovery({ cluster, hub, catalogue, recovery, parking: store.parking, access: security.access, io: socketio.server, fanout, logger });
  cluster.attach({
    io: socketio.server, hub, fanout, listed: socketio, expiresAt: (session) => tokenLifetime.expiresAt(session),
    ...(cross.hooks ? { socketRestore: cross.hooks.socketRestore } : {}),
    vitals: () => ({ broker: { ready: bus.ready, bindings: bus.boundCount, reconnects: bus.reconnects }, draining: ops.draining }),
  });
  const operatorConsole = new OperatorConsole({
    adminToken: config.adminToken, publicDir: path.join(PROJECT_ROOT, 'public'), hub, fanout, bus, cluster, ops, limits: security.counters,
    addressOf: (req) => security.addresses.of(req), version: VERSION, logger,
  });
  installDispatcher(httpServer, transports, security.admission, httpRoutes({
    publicDir: path.join(PROJECT_ROOT, 'public'),
    extraFiles: clientLibraries(PROJECT_ROOT),
    readiness: () => ops.readiness.evaluate(),
    handlers: [
      ops.metricsRoute,
      bindingsApi(catalogue),
      operatorConsole.handler,
      cluster.api,
      websocketsApi({ catalogue, sessions: hub.sessions, access: security.access, logger, addressOf: (req) => security.addresses.of(req), version: VERSION, node: cluster.node, peers: (account, socket) => cluster.peerWebsocketViews(account, socket) }),
      demoApi({ enabled: config.demo, access: security.access, addressOf: (req) => security.addresses.of(req), logger, publish: (ex, rk, p) => bus.publish(ex, rk, p), demoIdentity: () => demoIdentityOf(config) }),
    ],
  }), worker ? { oneRequestPerConnection: true, affinityCookie: worker.affinityCookie } : {});

  await bus.start();
  // A worker listens on nothing: the primary holds the port and hands it connections (`accept`).
  const url = worker ? urlOf(config, config.port) : await listen(httpServer, config);
  await cluster.start(url);
  if (worker) logger.info({ url, worker: worker.index }, 'worker started');
  else logger.info({ url }, 'Event Horizon listening');
  const accept = (socket: Socket, head: Buffer) => {
    socket.unshift(head);
    httpServer.emit('connection', socket);
    socket.resume();
  };

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= ops.shutdown({
      closeClients: async () => {
        operatorConsole.close();
        for (const transport of transports) await transport.close();
      },
      closeBackends: async () => {
        await cluster.close();
        httpServer.closeAllConnections();
        await bus.close();
        await store.history.close();
        security.close();
      },
    });
    return stopping;
  };
  const authenticator: Authenticator = security.authenticator;
  const port = worker ? config.port : (httpServer.address() as AddressInfo).port;
  return { config, ops, recovery, console: operatorConsole, url, port, hub, bus, logger, authenticator, security, transports, legacy, cluster, stop, ...(worker ? { accept } : {}) };
}

/** Listens on the configured host and port; resolves with the URL clients use. */
async function listen(httpServer: ReturnType<typeof createListener>, config: Config): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(config.port, config.host, () => {
      httpServer.off('error', reject);
      resolve();
    });
  });
  return urlOf(config, (httpServer.address() as AddressInfo).port);
}

/** The URL clients use for `port`. */
function urlOf(config: Config, port: number): string {
  const shownHost = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  return `http${config.tlsCert ? 's' : ''}://${shownHost}:${port}`;
}

// The composition root: builds every part from the config, wires them, starts and stops them in order.
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { Server as SocketIoServer } from 'socket.io';
import { Config, PROJECT_ROOT } from './config';
import { createSecurity, Security } from './auth/security';
import { frameCapBytes } from './auth/inbound-guard';
import type { Authenticator } from './auth/authenticator';
import { BindingCatalogue } from './bindings/catalogue';
import { AmqpBus } from './bus/amqp-bus';
import { Hub } from './hub/hub';
import { CommandHandler } from './hub/command-handler';
import { httpRoutes } from './http/http-routes';
import { bindingsApi } from './http/bindings-api';
import { websocketsApi } from './http/websockets-api';
import { VERSION } from './ops/version';
import { ChannelActions } from './hub/actions/channel-actions';
import { realmDirectory } from './bindings/realm-directory';
import { demoApi, demoIdentityOf } from './http/demo-api';
import { installDispatcher, Route } from './http/upgrade-dispatcher';
import { WebSocketTransport } from './transports/websocket/websocket-transport';
import { SocketIoTransport } from './transports/socketio/socketio-transport';
import { LegacySocketIoRoute } from './transports/legacy/legacy-route';
import { Operations, socketIoRecovery } from './ops/operations';
import { createListener } from './ops/tls';
import { Cluster } from './cluster/cluster';
import { OperatorConsole } from './ops/operator-console';
import type { Socket } from 'node:net';
import { createAdapter as createWorkersAdapter } from '@socket.io/cluster-adapter';
import type { PeerLink } from './workers/peer-link';
import { sidPrefix } from './workers/route';

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
  /** Socket.IO 0.9 clients (sessions by sid). */
  readonly legacy: LegacySocketIoRoute;
  /** Cluster membership (Redis), stats, broadcasts and the admin API; a cluster of one without Redis. */
  readonly cluster: Cluster;
  /** Metrics, readiness, slow clients, recovery and the graceful drain. */
  readonly ops: Operations;
  /** The operator console at /admin (its stream, connection directory and routes). */
  readonly console: OperatorConsole;
  /** A worker only: serves a connection the primary accepted (`head`: the bytes it already read). */
  accept?: (socket: Socket, head: Buffer) => void;
  stop(): Promise<void>;
}

/** How the app runs: alone (listening itself), or as worker `index` of a machine's primary. */
export interface AppRole {
  worker?: { index: number; link: PeerLink };
}

/** Client libraries the bridge serves itself (no CDN), by URL path. */
function clientLibraries(): Map<string, string> {
  const modules = path.join(PROJECT_ROOT, 'node_modules');
  const clientBundle = path.join(PROJECT_ROOT, 'client', 'dist', 'browser');
  return new Map([
    ['/vendor/socket.io-0.9.6.js', path.join(modules, 'socket.io-client-legacy', 'dist', 'socket.io.js')],
    // This repository's client library (client/), built by `npm run build`.
    ['/vendor/event-horizon-client.js', path.join(clientBundle, 'event-horizon-client.js')],
    ['/vendor/event-horizon-client.js.map', path.join(clientBundle, 'event-horizon-client.js.map')],
  ]);
}

/**
 * Starts the bridge: HTTP + every transport on one port, RabbitMQ in the background.
 * @example const app = await startApp(loadConfig([], process.env), logger); … await app.stop();
 */
export async function startApp(config: Config, logger: Logger, role: AppRole = {}): Promise<App> {
  const worker = role.worker;
  const cluster = new Cluster(config, logger, worker ? { index: worker.index, link: worker.link } : undefined);
  const security = createSecurity(config, logger, cluster.securityOptions);
  const authenticator: Authenticator = security.authenticator;
  const catalogue = new BindingCatalogue();
  const bus = new AmqpBus({
    url: config.amqpUrl,
    exchanges: catalogue.exchanges,
    logger,
    // Deliveries start only after bus.start(), below, when `hub` exists.
    onMessage: (exchange, routingKey, content) => hub.deliver(exchange, routingKey, content),
  });
  const hub = new Hub({ catalogue, bus, logger, bindTimeoutMs: config.amqpBindTimeoutMs, maxBindingsPerConnection: config.maxBindingsPerConnection, limits: security.counters });
  const handler = new CommandHandler(hub, authenticator, catalogue, logger);
  handler.access = security.access;
  const tokenLifetime = security.attachHub(hub);
  handler.actions = new ChannelActions({ publisher: bus, crossbarUrl: config.crossbarUrl, version: VERSION });
  if (config.realmsFile) realmDirectory.loadFile(config.realmsFile);

  const httpServer = createListener(
    config,
    httpRoutes({
      publicDir: path.join(PROJECT_ROOT, 'public'),
      extraFiles: clientLibraries(),
      readiness: () => ops.readiness.evaluate(),
      handlers: [
        (req, res) => ops.metricsRoute(req, res),
        bindingsApi(catalogue),
        (req, res) => operatorConsole.route(req, res),
        cluster.api,
        websocketsApi({ catalogue, sessions: hub.sessions, access: security.access, logger, addressOf: (req) => security.addresses.of(req), version: VERSION, node: cluster.node, peers: (account, socket) => cluster.peerWebsocketViews(account, socket) }),
        demoApi({ enabled: config.demo, access: security.access, addressOf: (req) => security.addresses.of(req), logger, publish: (ex, rk, p) => bus.publish(ex, rk, p), demoIdentity: () => demoIdentityOf(config) }),
      ],
    }),
  );
  const sioRecovery = socketIoRecovery(config);
  const io = new SocketIoServer(httpServer, {
    allowEIO3: true,
    cors: { origin: true, credentials: true },
    maxHttpBufferSize: frameCapBytes(config.maxMessageBytes),
    ...sioRecovery.options,
  });
  const websocket = new WebSocketTransport(hub, handler, logger, {
    pingIntervalMs: config.wsPingIntervalMs,
    maxMessageBytes: config.maxMessageBytes,
    guard: security.guard,
    addressOf: (req) => security.addresses.of(req),
  });
  const socketio = new SocketIoTransport(io, hub, handler, logger, { guard: security.guard, addressOf: (req) => security.addresses.of(req) });
  hub.addTarget(websocket);
  hub.addTarget(socketio);
  const legacy = new LegacySocketIoRoute(hub, handler, logger, {
    heartbeatIntervalMs: config.legacyHeartbeatIntervalMs,
    heartbeatTimeoutMs: config.legacyHeartbeatTimeoutMs,
    closeTimeoutMs: config.legacyCloseTimeoutMs,
    pollTimeoutMs: config.legacyPollTimeoutMs,
    maxMessageBytes: config.maxMessageBytes,
    guard: security.guard,
    addressOf: (req) => security.addresses.of(req),
    countSession: (req) => security.admission.countSession(req),
  });
  hub.addTarget(legacy.fanout);
  if (worker) {
    // Every session id says which worker holds it, so the primary routes its requests here.
    const prefix = sidPrefix(worker.index);
    const engine = io.engine as unknown as { generateId(req: unknown): string };
    const generate = engine.generateId.bind(engine);
    engine.generateId = (req) => prefix + generate(req);
    legacy.registry.sidPrefix = prefix;
    // One request per connection: the primary routes each connection by its first request only.
    httpServer.prependListener('request', (_req, res) => {
      res.shouldKeepAlive = false;
    });
    if (!config.redisUrl) io.adapter(createWorkersAdapter());
  }
  const ops = new Operations({ config, logger, hub, bus, handler, catalogue, io, httpServer, limits: security.counters, socketIoRecovery: sioRecovery, tokenLifetime });
  cluster.attach(io, hub, [websocket, legacy.fanout]);
  const operatorConsole = new OperatorConsole({
    adminToken: config.adminToken,
    publicDir: path.join(PROJECT_ROOT, 'public'),
    hub, bus, cluster, ops,
    limits: security.counters,
    expiresAt: (session) => tokenLifetime.expiresAt(session),
    addressOf: (req) => security.addresses.of(req),
    version: VERSION,
    logger,
  });
  operatorConsole.attach(io);
  ops.readiness.add(cluster.readinessCheck);
  const routes: Route[] = [legacy];
  installDispatcher(httpServer, routes, (req, socket, head) => websocket.handleUpgrade(req, socket, head));
  // In front of every transport: origin policy, blocked IPs, connections per IP (HTTP 403/429).
  security.admission.install(httpServer, io.engine);

  await bus.start();
  if (!worker) {
    await new Promise<void>((resolve, reject) => {
      httpServer.once('error', reject);
      httpServer.listen(config.port, config.host, () => {
        httpServer.off('error', reject);
        resolve();
      });
    });
  }
  const port = worker ? config.port : (httpServer.address() as AddressInfo).port;
  const shownHost = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  const url = `http${config.tlsCert ? 's' : ''}://${shownHost}:${port}`;
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
        await websocket.close();
        await legacy.close();
        await new Promise<void>((resolve) => io.close(() => resolve()));
      },
      closeBackends: async () => {
        await cluster.close();
        httpServer.closeAllConnections();
        await bus.close();
        security.close();
      },
    });
    return stopping;
  };
  return { config, ops, console: operatorConsole, url, port, hub, bus, logger, authenticator, security, legacy, cluster, stop, ...(worker ? { accept } : {}) };
}

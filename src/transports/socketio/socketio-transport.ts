// Owns Socket.IO v4 and EIO3 (v2/v3) clients: legacy `emit("subscribe"|"unsubscribe")`, envelopes on
// `message`, named events (`CHANNEL_CREATE`, …) plus `message` to the hub's room members, and
// connection-state recovery (`on-reconnect`) from the history. Socket.IO's own rooms hold no subscriptions.
// As one worker of a machine: the worker prefix on every Engine.IO sid, and the machine's workers as its
// Socket.IO cluster when there is no Redis.
import { EventEmitter } from 'node:events';
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { Namespace, Server, ServerOptions, Socket } from 'socket.io';
import { createAdapter as createMachineAdapter, NodeClusterAdapter } from '@socket.io/cluster-adapter';
import type { Logger } from 'pino';
import type { FanoutBatch } from '../../hub/fanout';
import type { CommandOrigin, Transport } from '../../hub/transport';
import type { Session } from '../../hub/session';
import type { Reply } from '../../protocol/replies';
import { requestIdFor } from '../../protocol/request-id';
import { frameCapBytes, requestIdOfText, Verdict } from '../../guard/inbound-guard';
import { mayEmitAsNamedEvent } from '../../protocol/socket-event-names';
import { SocketIoPacket, writePackets } from './socketio-wire';
import { CorkedWrites } from '../corked-writes';
import { textFrames } from '../websocket/text-frame';
import { EngineConnection, PacketMeter } from './packet-meter';
import type { TransportParts } from '../parts';
import { SocketIoSession } from './socketio-session';
import { historyRecoveryAdapter, packetOffset, recoversFromHistory, withHistoryRecovery } from './recovery-adapter';

type Ack = (reply: Reply) => void;

/** The recovery offset as the last element of a packet's data array (nothing without recovery). */
function offsetJson(offset: string | undefined): string {
  return offset === undefined ? '' : `,${JSON.stringify(offset)}`;
}

/**
 * A request that starts a new Socket.IO session (an Engine.IO handshake), by Engine.IO's own rule: no
 * session without a `transport`, its query keeps the last `sid`, an empty one starts a session. Taking
 * Socket.IO's client script (`/socket.io/socket.io.js`) for one would refuse it to an IP at its cap.
 */
function isHandshake(url: string): boolean {
  const q = url.indexOf('?');
  const query = new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
  const sids = query.getAll('sid');
  return query.has('transport') && !sids[sids.length - 1];
}

/**
 * The adapter and recovery settings: the history's recovery adapter; a worker of a machine without Redis
 * takes Socket.IO's cluster adapter (its siblings over IPC) with the same recovery from its own history:
 * the affinity cookie brings a browser's reconnect back to this worker, and a client that reaches
 * another one is not recovered there (`socket.recovered` false) and subscribes again.
 */
function adapterOptions({ config, recovery, worker }: TransportParts): Partial<ServerOptions> {
  const machine = worker !== undefined && config.redisUrl === undefined;
  if (recovery.windowMs <= 0) return machine ? { adapter: createMachineAdapter() as unknown as ServerOptions['adapter'] } : {};
  const adapter = machine ? machineRecoveryAdapter(recovery) : historyRecoveryAdapter(recovery);
  return { connectionStateRecovery: { maxDisconnectionDuration: recovery.windowMs, skipMiddlewares: true }, adapter: adapter as unknown as ServerOptions['adapter'] };
}

/** The cluster adapter between a machine's workers, recovering sessions from this worker's history. */
function machineRecoveryAdapter(recovery: TransportParts['recovery']): (nsp: Namespace) => NodeClusterAdapter {
  const MachineAdapter = withHistoryRecovery(NodeClusterAdapter, recovery);
  // socket.io calls it with `new`: a plain function returning the adapter (an arrow cannot be).
  return function machineAdapter(nsp: Namespace) {
    return new MachineAdapter(nsp, {});
  };
}

/** Every Engine.IO sid starts with `prefix`: the machine's primary routes the session's requests by it. */
function prefixSessionIds(server: Server, prefix: string): void {
  const engine = server.engine;
  const issue = engine.generateId.bind(engine);
  engine.generateId = (req) => {
    const id = issue(req);
    return typeof id === 'string' ? prefix + id : Promise.resolve(id).then((sid) => prefix + sid);
  };
}

/** What Engine.IO attaches to instead of the HTTP server: requests reach it only when this transport claims them. */
class EngineHost extends EventEmitter {
  close(done?: () => void): void {
    done?.();
  }
}

function ackOf(args: unknown[]): Ack | undefined {
  const last = args[args.length - 1];
  return typeof last === 'function' ? (last as Ack) : undefined;
}

/**
 * The size an inbound event counts against `EH_MAX_MESSAGE_BYTES`: a lone text (an envelope sent with
 * `socket.send(text)`) as its UTF-8 bytes, as on raw WebSocket, not re-escaped as JSON; anything else as its JSON.
 */
function payloadBytes(args: unknown[]): number {
  const data = ackOf(args) ? args.slice(0, -1) : args;
  if (data.length === 1 && typeof data[0] === 'string') return Buffer.byteLength(data[0]);
  try {
    return Buffer.byteLength(JSON.stringify(data) ?? '');
  } catch {
    // Too deep to serialise: Engine.IO already bounded its bytes, and the envelope's depth bound answers it.
    return 0;
  }
}

/**
 * Serves Socket.IO clients (v4 with `allowEIO3`) under /socket.io/ (0.9's /socket.io/1/ is claimed before it).
 * @example const transports: Transport[] = [new LegacySocketIoTransport(parts), new SocketIoTransport(parts), …];
 */
export class SocketIoTransport implements Transport {
  readonly name = 'socketio';
  readonly labels = ['socketio', 'socketio-eio3'];
  readonly resumption = 'on-reconnect';
  /** The Socket.IO server its clients connect to (the cluster asks other nodes through it). */
  readonly server: Server;

  private readonly writes = new CorkedWrites();
  private readonly host = new EngineHost();
  private readonly logger: Logger;

  constructor(private readonly parts: TransportParts) {
    this.logger = parts.logger;
    const { config, worker } = parts;
    this.server = new Server({ allowEIO3: true, cors: { origin: true, credentials: true }, maxHttpBufferSize: frameCapBytes(config.maxMessageBytes), ...adapterOptions(parts) });
    this.server.attach(this.host as unknown as HttpServer);
    if (worker) {
      prefixSessionIds(this.server, worker.sidPrefix);
      // Polling responses and WebSocket upgrades alike: a reconnect of this browser comes back here.
      this.server.engine.on('headers', (headers: Record<string, string>) => {
        headers['Set-Cookie'] = worker.affinityCookie;
      });
    }
    // Every Engine.IO session counts against its IP's cap while it lives.
    this.server.engine.on('connection', (socket: { request: IncomingMessage; close(): void; once(event: 'close', fn: () => void): unknown }) => {
      if (!parts.sessions.count(socket.request, socket)) socket.close();
    });
    this.server.on('connection', (socket) => this.onConnection(socket));
  }

  claimsRequest(req: IncomingMessage): boolean {
    return (req.url ?? '/').startsWith('/socket.io/');
  }

  claimsUpgrade(req: IncomingMessage): boolean {
    return (req.url ?? '/').startsWith('/socket.io/');
  }

  startsSession(req: IncomingMessage): boolean {
    return isHandshake(req.url ?? '/');
  }

  handleRequest(req: IncomingMessage, res: ServerResponse): void {
    this.host.emit('request', req, res);
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.host.emit('upgrade', req, socket, head);
  }

  /** Ends every client's transport (they reconnect elsewhere) and the server. */
  close(): Promise<void> {
    return new Promise<void>((resolve) => void this.server.close(() => resolve()));
  }

  /**
   * Every inbound Engine.IO packet is charged to the bucket as it arrives ({@link PacketMeter}); an event
   * refused there, or over the size limit, never reaches a handler. A refused packet that is no event gets
   * the same answer and the same cut.
   */
  private limit(socket: Socket, session: Session, transport: SocketIoSession): void {
    const guard = this.parts.guard;
    const where = `${transport.address.ip}:${transport.address.port}`;
    const cut = (verdict: Extract<Verdict, { ok: false }>, origin: CommandOrigin) => {
      if (session.closed) return;
      if (verdict.reply) transport.reply(verdict.reply, origin);
      if (verdict.close) socket.disconnect(true);
    };
    const meter = new PacketMeter(socket.conn as unknown as EngineConnection, () => guard.charge(socket, where), (verdict) => cut(verdict, {}));
    socket.use(([event, ...args], next) => {
      const payload = args[0];
      // `socket.send(text)` carries the envelope as JSON text: its request_id is echoed like an object's.
      const requestId = () => (typeof payload === 'string' ? requestIdOfText(payload) : requestIdFor((payload as Record<string, unknown> | null)?.['request_id']));
      const charged = meter.nextEvent() ?? guard.charge(socket, where, requestId);
      const verdict = charged.ok ? guard.checkSize(payloadBytes(args), requestId) : charged;
      if (verdict.ok) return next();
      const origin: CommandOrigin = {};
      if (event === 'subscribe' || event === 'unsubscribe') origin.legacyEmit = event;
      const ack = ackOf(args);
      if (ack) origin.ack = ack;
      // Charged before it was decoded, the refusal learns the event's request id now.
      cut(verdict.reply ? { ...verdict, reply: { ...verdict.reply, request_id: requestId() } } : verdict, origin);
    });
  }

  private onConnection(socket: Socket): void {
    const { hub, handler, addressOf } = this.parts;
    const transport = new SocketIoSession(this, socket, addressOf(socket.request));
    const session = hub.openSession(transport);
    this.limit(socket, session, transport);
    this.logger.debug({ session: session.id, eio: socket.conn.protocol }, 'socket.io connected');
    const fail = (err: Error) => this.logger.error({ err, session: session.id }, 'socket.io command failed');
    for (const action of ['subscribe', 'unsubscribe'] as const) {
      socket.on(action, (...args: unknown[]) => {
        handler.handleLegacyEmit(session, action, args[0], ackOf(args)).catch(fail);
      });
    }
    socket.on('message', (...args: unknown[]) => this.onEnvelope(session, args).catch(fail));
    socket.on('disconnect', (reason: string) => {
      // Engine.IO's heartbeat found the peer dead: counted with the WebSocket transport's.
      if (reason === 'ping timeout') hub.counters.deadPeers++;
      transport.disconnected(reason);
      hub.closeSession(session, reason);
    });
    if (socket.recovered) this.parts.recovery.reconnected(session);
  }

  private onEnvelope(session: Session, args: unknown[]): Promise<void> {
    const ack = ackOf(args);
    const origin: CommandOrigin = ack ? { ack } : {};
    const value = args[0];
    return typeof value === 'string' ? this.parts.handler.handleText(session, value, origin) : this.parts.handler.handleEnvelope(session, value, origin);
  }

  /**
   * Writes one event to this node's Socket.IO members of its rooms, as `to(rooms).emit(name, payload)`
   * and `to(room).emit("message", envelope)` per room would (the named event once per connection,
   * `message` once per binding, each with the event's history position as its recovery offset), but
   * encodes each packet once and gives a websocket client its packets in one write.
   */
  deliver(batch: FanoutBatch): void {
    const hits = batch.hits.filter((hit) => hit.room.membersOf(this));
    if (hits.length === 0) return;
    const offset = this.parts.recovery.reconnects && recoversFromHistory(this.server.sockets.adapter) ? batch.position : undefined;
    const name = batch.routed.socketEventName;
    const named = mayEmitAsNamedEvent(name) ? new SocketIoPacket(`[${JSON.stringify(name)},${batch.socketPayloadJson}${offsetJson(offset)}]`) : undefined;
    let place = 0;
    const greeted = hits.length > 1 ? new Set<Session>() : undefined;
    for (const hit of hits) {
      const members = hit.room.membersOf(this)!;
      place++;
      const message = new SocketIoPacket(`["message",${hit.envelopeJson}${offsetJson(offset === undefined ? undefined : packetOffset(offset, place))}]`);
      const both = named ? [named, message] : [message];
      let joined: Buffer | undefined;
      for (const session of members) {
        if (session.closed) continue;
        const socket = (session.transport as SocketIoSession).socket;
        if (greeted?.has(session)) {
          writePackets(this.writes, socket, [message]);
          continue;
        }
        greeted?.add(session);
        joined ??= named ? textFrames([named.text, message.text]) : message.frame;
        writePackets(this.writes, socket, both, joined);
      }
    }
  }
}

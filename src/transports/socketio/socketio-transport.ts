// Owns Socket.IO v4 and EIO3 (v2/v3) clients: legacy `emit("subscribe"|"unsubscribe")`, envelopes on
// `message`, real Socket.IO rooms per subscription, named events (`CHANNEL_CREATE`, …) plus `message`.
import type { Server, Socket } from 'socket.io';
import type { Logger } from 'pino';
import type { CommandHandler } from '../../hub/command-handler';
import type { FanoutBatch, FanoutTarget } from '../../hub/fanout';
import type { Hub } from '../../hub/hub';
import type { CommandOrigin, Session, SessionTransport } from '../../hub/session';
import { Reply, replyError } from '../../protocol/replies';
import { requestIdFor } from '../../protocol/request-id';
import { legacyErrorEvent } from '../../protocol/legacy-error-events';
import { InboundGuard, requestIdOfText, Verdict } from '../../auth/inbound-guard';
import { createLimitsCounters } from '../../auth/limits-counters';
import type { ClientAddress } from '../../http/client-address';
import type { IncomingMessage } from 'node:http';
import { mayEmitAsNamedEvent } from '../../protocol/socket-event-names';
import { packetKeeper, refuseRecovery } from '../../ops/bounded-recovery-adapter';
import { hitOffset } from '../../cluster/history-writer';
import { SocketIoPacket, writePackets } from './socketio-wire';
import { CorkedWrites } from '../corked-writes';
import { EngineConnection, PacketMeter } from './packet-meter';

export interface SocketIoTransportOptions {
  /** Rate and size limits on inbound packets; without it only `maxMessageBytes` is checked. */
  guard?: InboundGuard;
  maxMessageBytes?: number;
  /** The client address of the handshake request (X-Forwarded-For from trusted proxies only). */
  addressOf?: (req: IncomingMessage) => ClientAddress;
}

type Ack = (reply: Reply) => void;

class SocketIoSession implements SessionTransport {
  readonly generation = 'socketio' as const;

  constructor(readonly target: SocketIoTransport, readonly socket: Socket, readonly address: ClientAddress) {}

  get remoteAddress(): string {
    return this.address.ip;
  }

  /** Socket.IO keeps the socket id across a recovered reconnection; token lifetime follows it. */
  get recoveryKey(): string {
    return this.socket.id;
  }

  reply(reply: Reply, origin: CommandOrigin): void {
    this.socket.emit('message', reply);
    origin.ack?.(reply);
    const text = replyError(reply);
    if (text !== undefined && origin.legacyEmit) {
      const legacy = legacyErrorEvent(text, origin.authToken);
      this.socket.emit(legacy.name, legacy.payload);
    }
  }

  /**
   * Closes the Engine.IO connection, not the Socket.IO socket: the client reconnects after a transport
   * close, but never after a server `disconnect` packet. Recovery is refused, so the client gets a fresh
   * socket (`socket.recovered` false) and subscribes again.
   */
  closeForCredentials(): void {
    refuseRecovery(this.socket.nsp.adapter, this.socket.id);
    this.socket.conn.close();
  }

  joinRoom(room: string): void {
    void this.socket.join(room);
  }

  leaveRoom(room: string): void {
    void this.socket.leave(room);
  }
}

/** The recovery offset as the last element of a packet's data array (nothing without recovery). */
function offsetJson(offset: string | undefined): string {
  return offset === undefined ? '' : `,${JSON.stringify(offset)}`;
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
 * Serves Socket.IO clients on the shared `Server` (v4 with `allowEIO3`).
 * @example const t = new SocketIoTransport(io, hub, handler, logger); hub.addTarget(t);
 */
export class SocketIoTransport implements FanoutTarget {
  readonly name = 'socketio';

  private readonly guard: InboundGuard;
  private readonly writes = new CorkedWrites();

  constructor(
    private readonly io: Server,
    private readonly hub: Hub,
    private readonly handler: CommandHandler,
    private readonly logger: Logger,
    private readonly opts: SocketIoTransportOptions = {},
  ) {
    this.guard = opts.guard ?? new InboundGuard({ maxMessageBytes: opts.maxMessageBytes ?? 65536, perSecond: 0, burst: 1, counters: createLimitsCounters() });
    io.on('connection', (socket) => this.onConnection(socket));
  }

  /**
   * Every inbound Engine.IO packet is charged to the bucket as it arrives ({@link PacketMeter}); an event
   * refused there, or over the size limit, never reaches a handler. A refused packet that is no event gets
   * the same answer and the same cut.
   */
  private limit(socket: Socket, session: Session, transport: SocketIoSession): void {
    const where = `${transport.address.ip}:${transport.address.port}`;
    const cut = (verdict: Extract<Verdict, { ok: false }>, origin: CommandOrigin) => {
      if (session.closed) return;
      if (verdict.reply) transport.reply(verdict.reply, origin);
      if (verdict.close) socket.disconnect(true);
    };
    const meter = new PacketMeter(socket.conn as unknown as EngineConnection, () => this.guard.charge(socket, where), (verdict) => cut(verdict, {}));
    socket.use(([event, ...args], next) => {
      const payload = args[0];
      // `socket.send(text)` carries the envelope as JSON text: its request_id is echoed like an object's.
      const requestId = () => (typeof payload === 'string' ? requestIdOfText(payload) : requestIdFor((payload as Record<string, unknown> | null)?.['request_id']));
      const charged = meter.nextEvent() ?? this.guard.charge(socket, where, requestId);
      const verdict = charged.ok ? this.guard.checkSize(payloadBytes(args), requestId) : charged;
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
    const req = socket.request;
    const address = this.opts.addressOf?.(req) ?? { ip: socket.handshake.address, port: req.socket?.remotePort ?? 0 };
    const transport = new SocketIoSession(this, socket, address);
    const session = this.hub.openSession(transport);
    this.limit(socket, session, transport);
    this.logger.debug({ session: session.id, eio: socket.conn.protocol }, 'socket.io connected');
    const fail = (err: Error) => this.logger.error({ err, session: session.id }, 'socket.io command failed');
    for (const action of ['subscribe', 'unsubscribe'] as const) {
      socket.on(action, (...args: unknown[]) => {
        this.handler.handleLegacyEmit(session, action, args[0], ackOf(args)).catch(fail);
      });
    }
    socket.on('message', (...args: unknown[]) => this.onEnvelope(session, args).catch(fail));
    socket.on('disconnect', () => this.hub.closeSession(session));
  }

  private onEnvelope(session: Session, args: unknown[]): Promise<void> {
    const ack = ackOf(args);
    const origin: CommandOrigin = ack ? { ack } : {};
    const value = args[0];
    return typeof value === 'string' ? this.handler.handleText(session, value, origin) : this.handler.handleEnvelope(session, value, origin);
  }

  /**
   * Writes one event to this node's Socket.IO members, as `io.local.to(rooms).emit(name, payload)` and
   * `io.local.to(room).emit("message", envelope)` per room would (the named event once per connection,
   * `message` once per binding; kept for connection-state recovery the same way), but encodes each
   * packet once and gives a websocket client its packets in one write.
   */
  deliver(batch: FanoutBatch): void {
    const hits = batch.hits.filter((hit) => hit.room.membersOf(this));
    if (hits.length === 0) return;
    const nsp = this.io.sockets;
    const keep = packetKeeper(nsp.adapter);
    const name = batch.routed.socketEventName;
    let named: SocketIoPacket | undefined;
    if (mayEmitAsNamedEvent(name)) {
      const encode = (offset?: string) => `[${JSON.stringify(name)},${batch.socketPayloadJson}${offsetJson(offset)}]`;
      named = new SocketIoPacket(keep ? keep(new Set(hits.map((hit) => hit.room.name)), encode, () => hitOffset(batch, hits[0]!.room.name)) : encode());
    }
    const greeted = hits.length > 1 ? new Set<string>() : undefined;
    for (const hit of hits) {
      const encode = (offset?: string) => `["message",${hit.envelopeJson}${offsetJson(offset)}]`;
      const messageJson = keep ? keep(new Set([hit.room.name]), encode, () => hitOffset(batch, hit.room.name)) : undefined;
      const members = nsp.adapter.rooms.get(hit.room.name);
      if (!members || members.size === 0) continue;
      const message = new SocketIoPacket(messageJson ?? encode());
      const both = named ? [named, message] : [message];
      let joined: Buffer | undefined;
      for (const id of members) {
        const socket = nsp.sockets.get(id);
        if (!socket) continue;
        if (greeted?.has(id)) {
          writePackets(this.writes, socket, [message]);
          continue;
        }
        greeted?.add(id);
        joined ??= named ? Buffer.concat([named.frame, message.frame]) : message.frame;
        writePackets(this.writes, socket, both, joined);
      }
    }
  }
}

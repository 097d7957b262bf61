// Owns what a 0.9 client's packets mean: `emit("subscribe"|"unsubscribe")`, envelopes on `message`/`send`/
// `json.send`, heartbeats, acks, disconnect. Errors become protocol error replies. Knows no HTTP or ws API.
import type { InboundGuard, Verdict } from '../../guard/inbound-guard';
import type { Logger } from 'pino';
import type { CommandHandler } from '../../hub/command-handler';
import type { CommandOrigin } from '../../hub/session';
import type { Reply } from '../../protocol/replies';
import { requestIdFor, scanRequestId } from '../../protocol/request-id';
import { ErrorText } from '../../protocol/error-texts';
import { decodePacket, decodePayload, DecodeResult, encodePacket, FRAME_MARK, Packet } from './codec';
import type { LegacyConnection } from './legacy-connection';

/** The `request_id` a packet's envelope carries, wherever the packet type puts the envelope. */
function requestIdOf(packet: Packet): unknown {
  let envelope: unknown;
  if (packet.type === 'event') envelope = packet.args[0];
  else if (packet.type === 'json') envelope = packet.data;
  else if (packet.type === 'message') {
    try {
      envelope = JSON.parse(packet.data);
    } catch {
      return undefined;
    }
  }
  return envelope !== null && typeof envelope === 'object' ? (envelope as Record<string, unknown>)['request_id'] : undefined;
}

/**
 * The `request_id` in an undecoded packet's text (or a framed payload's first packet), found by a bounded
 * scan: the envelope sits at the top of a `3:::`/`4:::` packet's data and inside `args` of a `5:::` one.
 * @example requestIdOfPacketText('5:::{"name":"subscribe","args":[{"request_id":"r1",…') // "r1"
 */
export function requestIdOfPacketText(text: string): string | undefined {
  const framed = text[0] === FRAME_MARK ? text.slice(text.indexOf(FRAME_MARK, 1) + 1) : text;
  const head = /^([345]):[0-9]*\+?:[^:]*:/.exec(framed.slice(0, 64));
  if (!head) return undefined;
  return scanRequestId(framed.slice(head[0].length), head[1] === '5' ? 3 : 1);
}

/**
 * Turns inbound packets into hub commands for one connection.
 * @example inbound.receive(connection, '5:1+::{"name":"subscribe","args":[{…}]}');
 */
export class InboundPackets {
  constructor(
    private readonly handler: CommandHandler,
    private readonly logger: Logger,
    private readonly maxMessageBytes: number,
    private readonly guard?: InboundGuard,
  ) {}

  /**
   * Charges one websocket frame or POST to the connection's bucket before anything else is done with it;
   * false when it was refused (answered once, dropped after, the session cut past a bucket's worth).
   * `text` gives the frame's text when it may be decoded to shape the first refusal like its packet's answer.
   */
  admitFrame(connection: LegacyConnection, text?: () => string): boolean {
    if (!this.guard) return true;
    let first: DecodeResult | undefined;
    const firstPacket = (): DecodeResult | undefined => {
      if (!text) return undefined;
      if (!first) {
        const payload = decodePayload(text());
        first = payload.ok && payload.packets[0] !== undefined ? decodePacket(payload.packets[0]) : { ok: false, error: 'no packet' };
      }
      return first;
    };
    const verdict = this.guard.charge(connection, connection.remoteAddress, () => this.refusalId(firstPacket()));
    if (verdict.ok) return true;
    this.refused(connection, verdict, verdict.reply ? firstPacket() : undefined);
    return false;
  }

  /**
   * One websocket frame or polling body: a single packet or a framed payload of several, each charged to
   * the bucket (the first one already was when `firstCharged`, by {@link admitFrame}).
   */
  receive(connection: LegacyConnection, body: string, firstCharged = false): void {
    const payload = decodePayload(body);
    if (!payload.ok) return connection.protocolError(ErrorText.invalidField(payload.error));
    for (const [index, text] of payload.packets.entries()) {
      if (connection.isClosed) return;
      let decoded: DecodeResult | undefined;
      const decode = () => (decoded ??= decodePacket(text));
      if (!(firstCharged && index === 0)) {
        const verdict = this.guard?.charge(connection, connection.remoteAddress, () => this.refusalId(decode()));
        if (verdict && !verdict.ok) {
          this.refused(connection, verdict, verdict.reply ? decode() : undefined);
          if (verdict.close) return;
          continue;
        }
      }
      const bytes = Buffer.byteLength(text);
      if (bytes > this.maxMessageBytes) {
        this.refuseTooLarge(connection, bytes, text);
        continue;
      }
      const packet = decode();
      if (!packet.ok) {
        this.logger.debug({ sid: connection.sid, error: packet.error }, 'socket.io 0.9 packet refused');
        connection.protocolError(ErrorText.invalidField(packet.error));
        continue;
      }
      this.packet(connection, packet.packet);
    }
  }

  /**
   * A frame, body or packet over `EH_MAX_MESSAGE_BYTES`: counted as every transport counts it, answered with
   * an error that carries the client's request id when a bounded scan of `head` (its first bytes) finds it.
   */
  refuseTooLarge(connection: LegacyConnection, bytes: number, head = ''): void {
    this.guard?.countTooLarge();
    connection.protocolError(ErrorText.messageTooLarge(bytes, this.maxMessageBytes), requestIdFor(requestIdOfPacketText(head)));
  }

  private refusalId(decoded: DecodeResult | undefined): string {
    return requestIdFor(decoded?.ok ? requestIdOf(decoded.packet) : undefined);
  }

  /** A refused frame or packet, answered as the packet would have been: its ack and, for an emit, KAZOO 3.x's `error` event. */
  private refused(connection: LegacyConnection, verdict: Extract<Verdict, { ok: false }>, decoded: DecodeResult | undefined): void {
    if (verdict.reply) connection.reply(verdict.reply, decoded?.ok ? this.refusalOrigin(connection, decoded.packet) : {});
    if (verdict.close) connection.close(verdict.close.reason, verdict.close);
  }

  private packet(connection: LegacyConnection, packet: Packet): void {
    // A plain id (no `+`) asks for an automatic acknowledgement, as the 0.9 server gave it.
    if (packet.id !== undefined && !packet.ack && packet.type !== 'ack') {
      connection.send(encodePacket({ type: 'ack', endpoint: packet.endpoint, ackId: packet.id, args: [] }));
    }
    if (packet.endpoint !== '' && packet.type !== 'disconnect') {
      // Namespaces are not served: refuse the connect (the client fires `connect_failed`), ignore the rest.
      if (packet.type === 'connect') connection.send(encodePacket({ type: 'error', endpoint: packet.endpoint, reason: 'unauthorized' }));
      return;
    }
    const fail = (err: Error) => this.logger.error({ err, sid: connection.sid }, 'socket.io 0.9 command failed');
    switch (packet.type) {
      case 'heartbeat':
        return connection.onHeartbeat();
      case 'disconnect':
        if (packet.endpoint === '') connection.close('client disconnected');
        return;
      case 'message':
        this.handler.handleText(connection.session(), packet.data, this.origin(connection, packet)).catch(fail);
        return;
      case 'json':
        this.handler.handleEnvelope(connection.session(), packet.data, this.origin(connection, packet)).catch(fail);
        return;
      case 'event':
        return this.event(connection, packet, fail);
      default:
        // connect (already connected), noop, error and acks of ours (we never ask for any): nothing to do.
        return;
    }
  }

  private event(connection: LegacyConnection, packet: Extract<Packet, { type: 'event' }>, fail: (err: Error) => void): void {
    const origin = this.origin(connection, packet);
    const value = packet.args[0];
    if (packet.name === 'subscribe' || packet.name === 'unsubscribe') {
      this.handler.handleLegacyEmit(connection.session(), packet.name, value, origin.ack).catch(fail);
    } else if (packet.name === 'message') {
      const session = connection.session();
      const run = typeof value === 'string' ? this.handler.handleText(session, value, origin) : this.handler.handleEnvelope(session, value, origin);
      run.catch(fail);
    }
    // Other event names are ignored, as Socket.IO v4 clients' are.
  }

  /** How a refused packet's answer is shaped: through its ack, and as an emit when it is one. */
  private refusalOrigin(connection: LegacyConnection, packet: Packet): CommandOrigin {
    const origin = this.origin(connection, packet);
    if (packet.type === 'event' && (packet.name === 'subscribe' || packet.name === 'unsubscribe')) {
      origin.legacyEmit = packet.name;
      const token = (packet.args[0] as { auth_token?: unknown } | null | undefined)?.auth_token;
      if (typeof token === 'string') origin.authToken = token;
    }
    return origin;
  }

  /** The acknowledgement of a `5:N+::…` packet answers `6:::N+[reply]`. */
  private origin(connection: LegacyConnection, packet: Packet): CommandOrigin {
    if (packet.id === undefined || !packet.ack) return {};
    const ackId = packet.id;
    return { ack: (reply: Reply) => connection.send(encodePacket({ type: 'ack', endpoint: '', ackId, args: [reply] })) };
  }
}

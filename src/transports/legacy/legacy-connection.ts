// Owns one socket.io 0.9 session (one sid): its outgoing packet queue, the transport currently attached
// (a websocket or a held poll), `1::` first, heartbeats, poll and close timeouts. Knows no HTTP or ws API.
import type { Logger } from 'pino';
import type { Hub } from '../../hub/hub';
import type { Session } from '../../hub/session';
import type { CommandOrigin, SessionTransport, Transport } from '../../hub/transport';
import { legacyErrorEvent } from '../../protocol/legacy-error-events';
import { errorReply, Reply, replyError } from '../../protocol/replies';
import { freshRequestId } from '../../protocol/request-id';
import { encodePacket, eventPacket, WirePacket } from './codec';
import type { SharedText } from '../websocket/text-frame';

/** An encoded packet: its text, or a text shared by many sessions (framed once for every websocket). */
export type QueuedPacket = string | SharedText;

/** The text of an outgoing packet. */
export function packetText(packet: QueuedPacket): string {
  return typeof packet === 'string' ? packet : packet.text;
}

/**
 * Timings of the 0.9 protocol, in milliseconds.
 * @example const timings: LegacyTimings = { heartbeatIntervalMs: 25000, heartbeatTimeoutMs: 60000, closeTimeoutMs: 60000, pollTimeoutMs: 20000 };
 */
export interface LegacyTimings {
  /** How often a websocket client gets `2::`. */
  heartbeatIntervalMs: number;
  /** How long the client has to echo `2::`; also advertised in the handshake. */
  heartbeatTimeoutMs: number;
  /** How long a session lives with no transport attached; also advertised in the handshake. */
  closeTimeoutMs: number;
  /** How long an idle poll is held before it is answered `8::`. */
  pollTimeoutMs: number;
}

/**
 * Where outgoing packets go while a transport is attached.
 * @example class WebSocketSink implements PacketSink { kind = 'websocket' as const; write(p) { …; return true; } end() { … } }
 */
export interface PacketSink {
  readonly kind: 'websocket' | 'poll';
  /** Writes packets in order; returns true while the sink takes more (websocket), false once used up (answered poll). */
  write(packets: readonly QueuedPacket[]): boolean;
  /**
   * Ends the sink: an idle poll is answered `8::`, a websocket is closed. With `cut` (a rate-limit close)
   * a websocket closes with its code and a poll is answered `0::` (disconnect), as far as 0.9 can say it.
   */
  end(cut?: SessionCut): void;
  /** Bytes written but not yet handed to the kernel (websocket), for the slow-client check. */
  bufferedBytes?(): number;
}

/** Why a session is cut rather than closed: a WebSocket close code and reason (4029 for a flood). */
export interface SessionCut {
  code: number;
  reason: string;
}

/** What a session needs from its surroundings; `onClosed` lets the registry forget it. */
export interface LegacyConnectionDeps {
  hub: Pick<Hub, 'openSession' | 'closeSession'>;
  target: Transport;
  timings: LegacyTimings;
  logger: Logger;
  /** Packets a session may buffer while no transport is attached before it is given up as too slow. */
  maxBufferedPackets: number;
  onClosed(connection: LegacyConnection): void;
}

/**
 * The hub's handle on one 0.9 client, whichever transport it polls or streams through.
 * @example const c = new LegacyConnection(sid, remote, deps); c.attach(sink); c.send('5:::{"name":"x"}');
 */
export class LegacyConnection implements SessionTransport {
  readonly generation = 'socketio-legacy';
  readonly label = 'socketio-legacy';
  readonly recoveryKey = undefined;
  readonly recoverySecret = undefined;
  /** A 0.9 session never resumes: a dropped client re-handshakes and subscribes again. */
  readonly endedByPeer = false;
  private hubSession?: Session;
  private sink?: PacketSink;
  private outbox: QueuedPacket[] = [];
  private closed = false;
  /** Whether `1::` was queued (on the first transport, even when packets arrived by POST before it). */
  private connectSent = false;
  private closeTimer?: NodeJS.Timeout;
  private pollTimer?: NodeJS.Timeout;
  private heartbeatTimer?: NodeJS.Timeout;
  private heartbeatDeadline?: NodeJS.Timeout;
  /** Heartbeats the client echoed (for stats and tests). */
  heartbeatsAnswered = 0;

  constructor(readonly sid: string, readonly remoteAddress: string, private readonly deps: LegacyConnectionDeps) {
    this.armCloseTimer();
  }

  get target(): Transport {
    return this.deps.target;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Packets waiting for the next poll. */
  get bufferedCount(): number {
    return this.outbox.length;
  }

  /** Bytes waiting to go out: the outbox plus the websocket's send buffer (ops' slow-client check). */
  bufferedBytes(): number {
    let n = this.sink?.bufferedBytes?.() ?? 0;
    for (const packet of this.outbox) n += packetText(packet).length;
    return n;
  }

  /** The hub session, opened on first use (first transport or first packet). */
  session(): Session {
    this.hubSession ??= this.deps.hub.openSession(this);
    return this.hubSession;
  }

  /** Attaches a transport: the first one gets `1::` before anything else; a previous poll is answered `8::`. */
  attach(sink: PacketSink): void {
    if (this.closed) {
      sink.write([WirePacket.notHandshaken]);
      return;
    }
    if (this.sink) this.releaseSink().end();
    clearTimeout(this.closeTimer);
    if (!this.connectSent) {
      this.connectSent = true;
      this.session();
      this.outbox.unshift(WirePacket.connect);
    }
    this.sink = sink;
    if (sink.kind === 'websocket') this.scheduleHeartbeat();
    else this.pollTimer = setTimeout(() => this.answerIdlePoll(sink), this.deps.timings.pollTimeoutMs);
    this.flush();
  }

  /** Whether this sink is the transport attached now. */
  holds(sink: PacketSink): boolean {
    return this.sink === sink;
  }

  /** Detaches a transport that went away (poll aborted by the client); the close timeout starts. */
  detach(sink: PacketSink): void {
    if (this.sink !== sink) return;
    this.releaseSink();
    this.armCloseTimer();
  }

  /** Queues encoded packets and writes them if a transport is attached. */
  send(...packets: QueuedPacket[]): void {
    if (this.closed) return;
    this.outbox.push(...packets);
    if (!this.sink && this.outbox.length > this.deps.maxBufferedPackets) {
      this.deps.logger.info({ sid: this.sid, buffered: this.outbox.length }, 'socket.io 0.9 client too slow: buffer full; closing');
      this.close('buffer full');
      return;
    }
    this.flush();
  }

  /** The client echoed `2::`: its heartbeat deadline is lifted and the next heartbeat scheduled. */
  onHeartbeat(): void {
    this.heartbeatsAnswered++;
    if (!this.heartbeatDeadline) return;
    clearTimeout(this.heartbeatDeadline);
    this.heartbeatDeadline = undefined;
    if (this.sink?.kind === 'websocket') this.scheduleHeartbeat();
  }

  /** Ends the session: timers stop, the transport ends (cut with `cut` when given), subscriptions are dropped. */
  close(reason: string, cut?: SessionCut): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.closeTimer);
    const sink = this.sink ? this.releaseSink() : undefined;
    sink?.end(cut);
    this.outbox = [];
    if (this.hubSession) this.deps.hub.closeSession(this.hubSession, reason);
    this.deps.logger.debug({ sid: this.sid, reason }, 'socket.io 0.9 session closed');
    this.deps.onClosed(this);
  }

  reply(reply: Reply, origin: CommandOrigin): void {
    this.send(encodePacket(eventPacket('message', [reply])));
    origin.ack?.(reply);
    const text = replyError(reply);
    if (text !== undefined && origin.legacyEmit) {
      const legacy = legacyErrorEvent(text, origin.authToken);
      this.send(encodePacket(eventPacket(legacy.name, [legacy.payload])));
    }
  }

  /**
   * A protocol problem (malformed packet, oversized frame): an error reply on `message` (with the client's
   * request id when it could be found) and an `error` event.
   */
  protocolError(text: string, requestId: string = freshRequestId()): void {
    this.send(encodePacket(eventPacket('message', [errorReply(requestId, text)])), encodePacket(eventPacket('error', [{ message: text }])));
  }

  /** A plain close (never `0::`): the 0.9 client re-handshakes and reconnects, as after any lost transport. */
  closeForCredentials(): void {
    this.close('credentials ended');
  }

  replay(envelopes: readonly string[]): void {
    this.send(...envelopes.map((json) => `5:::{"name":"message","args":[${json}]}`));
  }

  /** Ends the transport plainly (never `0::`): the client re-handshakes, as after any lost transport. */
  drop(_code: number, reason: string): void {
    this.close(reason);
  }

  private flush(): void {
    const sink = this.sink;
    if (!sink || this.outbox.length === 0) return;
    const packets = this.outbox;
    this.outbox = [];
    if (!sink.write(packets)) this.detach(sink);
  }

  private releaseSink(): PacketSink {
    const sink = this.sink!;
    this.sink = undefined;
    clearTimeout(this.pollTimer);
    clearTimeout(this.heartbeatTimer);
    clearTimeout(this.heartbeatDeadline);
    this.heartbeatDeadline = undefined;
    return sink;
  }

  private answerIdlePoll(sink: PacketSink): void {
    if (this.sink !== sink) return;
    this.outbox.push(WirePacket.noop);
    this.flush();
  }

  private armCloseTimer(): void {
    if (this.closed) return;
    clearTimeout(this.closeTimer);
    this.closeTimer = setTimeout(() => this.close('close timeout'), this.deps.timings.closeTimeoutMs);
  }

  private scheduleHeartbeat(): void {
    clearTimeout(this.heartbeatTimer);
    this.heartbeatTimer = setTimeout(() => {
      this.send(WirePacket.heartbeat);
      clearTimeout(this.heartbeatDeadline);
      this.heartbeatDeadline = setTimeout(() => this.close('heartbeat timeout'), this.deps.timings.heartbeatTimeoutMs);
    }, this.deps.timings.heartbeatIntervalMs);
  }
}

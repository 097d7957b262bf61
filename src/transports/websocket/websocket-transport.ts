// Owns raw WebSocket clients (KAZOO 4.x, Monster UI): upgrades on any path outside /socket.io/,
// JSON text frames in, replies and `event` envelopes out, protocol pings to keep proxies and peers honest.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, WebSocket, RawData } from 'ws';
import type { Logger } from 'pino';
import type { CommandHandler } from '../../hub/command-handler';
import type { FanoutBatch, FanoutTarget } from '../../hub/fanout';
import type { Hub } from '../../hub/hub';
import type { Session, SessionTransport } from '../../hub/session';
import { errorReply, Reply } from '../../protocol/replies';
import { freshRequestId, REQUEST_ID_SCAN_CHARS } from '../../protocol/request-id';
import { ErrorText } from '../../protocol/error-texts';
import { CloseCodes, CREDENTIALS_ENDED_REASON } from '../../protocol/close-codes';
import { textFrame } from './text-frame';
import { CorkedWrites } from '../corked-writes';
import { frameCapBytes, InboundGuard, requestIdOfText } from '../../auth/inbound-guard';
import { createLimitsCounters } from '../../auth/limits-counters';
import type { ClientAddress } from '../../http/client-address';

export interface WebSocketTransportOptions {
  pingIntervalMs: number;
  maxMessageBytes: number;
  /** Rate and size limits on inbound messages; without it only the size is checked. */
  guard?: InboundGuard;
  /** The client address of an upgrade request (X-Forwarded-For from trusted proxies only). */
  addressOf?: (req: IncomingMessage) => ClientAddress;
}

/** The hub's handle on one raw WebSocket. */
class WebSocketSession implements SessionTransport {
  readonly generation = 'websocket' as const;
  alive = true;
  /** The upgraded TCP socket ws reads and writes; event frames are written to it directly. */
  wire?: Duplex;
  remotePort = 0;

  constructor(readonly target: WebSocketTransport, readonly socket: WebSocket, readonly remoteAddress: string) {}

  reply(reply: Reply): void {
    this.send(JSON.stringify(reply));
  }

  send(text: string): void {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.send(text);
  }

  /**
   * Writes a complete text frame built once for many clients straight to the TCP socket under ws:
   * ws writes synchronously there too (no compression), so frames never interleave. Frames of one
   * burst of deliveries leave together (`writes`).
   */
  sendFrame(frame: Buffer, writes: CorkedWrites): void {
    if (this.socket.readyState === WebSocket.OPEN && this.wire) writes.write(this.wire, frame);
  }

  closeForCredentials(): void {
    this.socket.close(CloseCodes.credentialsEnded, CREDENTIALS_ENDED_REASON);
  }

  joinRoom(): void {}
  leaveRoom(): void {}
}

/**
 * Serves raw WebSocket envelope clients.
 * @example const t = new WebSocketTransport(hub, handler, logger, opts); hub.addTarget(t); t.handleUpgrade(req, socket, head);
 */
export class WebSocketTransport implements FanoutTarget {
  readonly name = 'websocket';
  private readonly wss: WebSocketServer;
  private readonly sessions = new Map<WebSocket, Session>();
  private readonly pinger: NodeJS.Timeout;
  private readonly guard: InboundGuard;
  private readonly writes = new CorkedWrites();

  constructor(
    private readonly hub: Hub,
    private readonly handler: CommandHandler,
    private readonly logger: Logger,
    private readonly opts: WebSocketTransportOptions,
  ) {
    this.wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: frameCapBytes(opts.maxMessageBytes) });
    this.pinger = setInterval(() => this.pingAll(), opts.pingIntervalMs);
    this.pinger.unref();
    this.guard = opts.guard ?? new InboundGuard({ maxMessageBytes: opts.maxMessageBytes, perSecond: 0, burst: 1, counters: createLimitsCounters() });
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, req));
  }

  private onConnection(ws: WebSocket, req: IncomingMessage): void {
    const address = this.opts.addressOf?.(req) ?? { ip: req.socket.remoteAddress ?? 'unknown', port: req.socket.remotePort ?? 0 };
    const transport = new WebSocketSession(this, ws, address.ip);
    transport.remotePort = address.port;
    transport.wire = req.socket;
    const session = this.hub.openSession(transport);
    this.sessions.set(ws, session);
    this.logger.debug({ session: session.id, remote: transport.remoteAddress }, 'websocket connected');
    ws.on('pong', () => {
      transport.alive = true;
    });
    ws.on('message', (data: RawData) => this.onMessage(session, transport, data));
    ws.on('error', (err) => this.logger.debug({ session: session.id, err: err.message }, 'websocket error'));
    ws.on('close', (code: number, reason: Buffer) => {
      this.sessions.delete(ws);
      this.hub.closeSession(session, `${code}${reason.length > 0 ? ` ${reason.toString()}` : ''}`);
      this.logger.debug({ session: session.id }, 'websocket closed');
    });
  }

  private onMessage(session: Session, transport: WebSocketSession, data: RawData): void {
    transport.alive = true;
    const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
    // Only the head of the frame is decoded to find its request_id (a bounded scan), whatever its size.
    const requestId = () => requestIdOfText(bytes.toString('utf8', 0, REQUEST_ID_SCAN_CHARS * 4));
    const verdict = this.guard.admit(transport, `${transport.remoteAddress}:${transport.remotePort}`, bytes.length, requestId);
    if (!verdict.ok) {
      if (verdict.reply) transport.reply(verdict.reply);
      if (verdict.close) transport.socket.close(verdict.close.code, verdict.close.reason);
      return;
    }
    this.handler.handleText(session, bytes.toString('utf8')).catch((err: Error) => {
      this.logger.error({ err, session: session.id }, 'websocket command failed');
      transport.reply(errorReply(freshRequestId(), ErrorText.invalidField('the command could not be processed')));
    });
  }

  /** Pings every client; one that did not answer the previous ping is cut. */
  private pingAll(): void {
    for (const [ws, session] of this.sessions) {
      const transport = session.transport as WebSocketSession;
      if (!transport.alive) {
        this.logger.info({ session: session.id }, 'websocket peer stopped answering pings; closing');
        this.hub.counters.deadPeers++;
        ws.terminate();
        continue;
      }
      transport.alive = false;
      ws.ping();
    }
  }

  deliver(batch: FanoutBatch): void {
    for (const hit of batch.hits) {
      const members = hit.room.membersOf(this);
      if (!members) continue;
      const frame = textFrame(hit.envelopeBytes); // framed once per room, written as-is to every member
      for (const session of members) (session.transport as WebSocketSession).sendFrame(frame, this.writes);
    }
  }

  /** Closes every client with 1001 "going away" so it reconnects elsewhere. */
  async close(): Promise<void> {
    clearInterval(this.pinger);
    for (const ws of this.sessions.keys()) ws.close(CloseCodes.goingAway, 'server shutting down');
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}

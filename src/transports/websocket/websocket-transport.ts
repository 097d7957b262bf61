// Owns raw WebSocket clients (KAZOO 4.x, Monster UI): upgrades on any path outside /socket.io/,
// JSON text frames in, replies and `event` envelopes out, protocol pings to keep proxies and peers honest.
// Its dropped connections resume `by-command` (the `resume` action).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { markUpgrades } from '../affinity-cookie';
import { WebSocketServer, WebSocket, RawData } from 'ws';
import type { Logger } from 'pino';
import type { FanoutBatch } from '../../hub/fanout';
import type { Session } from '../../hub/session';
import type { Transport } from '../../hub/transport';
import { errorReply } from '../../protocol/replies';
import { freshRequestId, REQUEST_ID_SCAN_CHARS } from '../../protocol/request-id';
import { ErrorText } from '../../protocol/error-texts';
import { CloseCodes } from '../../protocol/close-codes';
import { textFrames } from './text-frame';
import { CorkedWrites } from '../corked-writes';
import { frameCapBytes, requestIdOfText } from '../../guard/inbound-guard';
import type { TransportParts } from '../parts';
import { WebSocketSession } from './websocket-session';

/**
 * Serves raw WebSocket envelope clients.
 * @example const transports: Transport[] = [new WebSocketTransport(parts)];
 */
export class WebSocketTransport implements Transport {
  readonly name = 'websocket';
  readonly labels = ['websocket'];
  readonly resumption = 'by-command';
  private readonly wss: WebSocketServer;
  private readonly sessions = new Map<WebSocket, Session>();
  private readonly pinger: NodeJS.Timeout;
  private readonly writes = new CorkedWrites();
  private readonly logger: Logger;

  constructor(private readonly parts: TransportParts) {
    this.logger = parts.logger;
    this.wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: frameCapBytes(parts.config.maxMessageBytes) });
    markUpgrades(this.wss, parts.worker);
    this.pinger = setInterval(() => this.pingAll(), parts.config.wsPingIntervalMs);
    this.pinger.unref();
  }

  claimsRequest(): boolean {
    return false;
  }

  /** Every upgrade outside /socket.io/ (earlier transports of the list claim theirs first). */
  claimsUpgrade(req: IncomingMessage): boolean {
    return !(req.url ?? '/').startsWith('/socket.io/');
  }

  startsSession(): boolean {
    return true;
  }

  handleRequest(_req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(426, { 'Content-Type': 'text/plain; charset=utf-8', Connection: 'close' });
    res.end('a WebSocket upgrade is expected here');
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    // Counted against its IP from the upgrade until the TCP connection closes.
    this.parts.sessions.count(req, socket);
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, req));
  }

  private onConnection(ws: WebSocket, req: IncomingMessage): void {
    const address = this.parts.addressOf(req);
    const transport = new WebSocketSession(this, ws, address, req.socket);
    const session = this.parts.hub.openSession(transport);
    this.sessions.set(ws, session);
    this.logger.debug({ session: session.id, remote: transport.remoteAddress }, 'websocket connected');
    ws.on('pong', () => {
      transport.alive = true;
    });
    ws.on('message', (data: RawData) => this.onMessage(session, transport, data));
    ws.on('error', (err) => this.logger.debug({ session: session.id, err: err.message }, 'websocket error'));
    ws.on('close', (code: number, reason: Buffer) => {
      this.sessions.delete(ws);
      transport.closed(code);
      this.parts.hub.closeSession(session, `${code}${reason.length > 0 ? ` ${reason.toString()}` : ''}`);
      this.logger.debug({ session: session.id }, 'websocket closed');
    });
  }

  private onMessage(session: Session, transport: WebSocketSession, data: RawData): void {
    transport.alive = true;
    const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
    // Only the head of the frame is decoded to find its request_id (a bounded scan), whatever its size.
    const requestId = () => requestIdOfText(bytes.toString('utf8', 0, REQUEST_ID_SCAN_CHARS * 4));
    const verdict = this.parts.guard.admit(transport, `${transport.remoteAddress}:${transport.remotePort}`, bytes.length, requestId);
    if (!verdict.ok) {
      if (verdict.reply) transport.reply(verdict.reply);
      if (verdict.close) transport.socket.close(verdict.close.code, verdict.close.reason);
      return;
    }
    this.parts.handler.handleText(session, bytes.toString('utf8')).catch((err: Error) => {
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
        this.parts.hub.counters.deadPeers++;
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
      const frame = textFrames([hit.envelopeJson]); // framed once per room, written as-is to every member
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

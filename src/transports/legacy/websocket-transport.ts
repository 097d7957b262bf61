// Owns `/socket.io/1/websocket/{sid}` upgrades (ws@8, noServer): one packet per text frame each way,
// `7:::1+0` for an unknown sid. Knows sessions only through their sink API, nothing of HTTP polling.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { RawData, WebSocket, WebSocketServer } from 'ws';
import { frameCapBytes } from '../../guard/inbound-guard';
import { WirePacket } from './codec';
import { ErrorText } from '../../protocol/error-texts';
import { REQUEST_ID_SCAN_CHARS } from '../../protocol/request-id';
import { InboundPackets } from './inbound-packets';
import type { LegacyConnection, QueuedPacket, PacketSink, SessionCut } from './legacy-connection';
import { CorkedWrites } from '../corked-writes';
import type { LegacySessionRegistry } from './session-registry';

/**
 * A websocket as a session's sink: every packet its own frame. A packet shared by many sessions is
 * framed once and its frame written straight to the TCP socket under ws, which writes synchronously
 * there too (no compression), so frames never interleave; frames of one burst leave together.
 */
class WebSocketSink implements PacketSink {
  readonly kind = 'websocket' as const;

  constructor(private readonly socket: WebSocket, private readonly wire: Duplex, private readonly writes: CorkedWrites) {}

  write(packets: readonly QueuedPacket[]): boolean {
    if (this.socket.readyState !== WebSocket.OPEN) return true;
    for (let i = 0; i < packets.length; i++) {
      const packet = packets[i]!;
      if (typeof packet === 'string') {
        this.socket.send(packet);
        continue;
      }
      // Two shared packets in a row (the named event, then `message`) leave as one chunk.
      const next = packets[i + 1];
      if (next !== undefined && typeof next !== 'string') {
        this.writes.write(this.wire, packet.frameWith(next));
        i++;
      } else this.writes.write(this.wire, packet.frame);
    }
    return true;
  }

  bufferedBytes(): number {
    return this.socket.bufferedAmount;
  }

  end(cut?: SessionCut): void {
    // A plain close, never `0::`: a 0.9 client told `0::` considers itself kicked and does not reconnect.
    // A cut (flood) closes with its code, 4029 as on raw WebSocket.
    if (this.socket.readyState === WebSocket.OPEN || this.socket.readyState === WebSocket.CONNECTING) this.socket.close(cut?.code ?? 1000, cut?.reason);
  }
}

/**
 * Accepts 0.9 websocket upgrades for handshaken sids.
 * @example legacyWs.handleUpgrade(req, socket, head, sid);
 */
export class LegacyWebSocketTransport {
  private readonly wss: WebSocketServer;
  private readonly writes = new CorkedWrites();

  constructor(
    private readonly registry: LegacySessionRegistry,
    private readonly inbound: InboundPackets,
    private readonly logger: Logger,
    private readonly maxMessageBytes: number,
  ) {
    this.wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: frameCapBytes(maxMessageBytes) });
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, sid: string): void {
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const connection = this.registry.get(sid);
      if (!connection) {
        // What the 0.9 server did: accept, say "not handshaken, reconnect", close. The client re-handshakes.
        ws.send(WirePacket.notHandshaken);
        ws.close(1000);
        return;
      }
      this.open(ws, socket, connection);
    });
  }

  private open(ws: WebSocket, wire: Duplex, connection: LegacyConnection): void {
    const sink = new WebSocketSink(ws, wire, this.writes);
    ws.on('message', (data: RawData, isBinary: boolean) => this.onFrame(connection, data, isBinary));
    ws.on('error', (err) => this.logger.debug({ sid: connection.sid, err: err.message }, 'socket.io 0.9 websocket error'));
    // The 0.9 client never resumes a sid after its websocket closes (it re-handshakes): end the session now.
    ws.on('close', () => {
      if (connection.holds(sink)) connection.close('websocket closed');
    });
    connection.attach(sink);
  }

  /** Every frame is charged to the bucket first, whatever it is (binary, oversized, badly framed). */
  private onFrame(connection: LegacyConnection, data: RawData, isBinary: boolean): void {
    const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
    const fits = !isBinary && bytes.length <= this.maxMessageBytes;
    if (!this.inbound.admitFrame(connection, fits ? () => bytes.toString('utf8') : undefined)) return;
    if (isBinary) return connection.protocolError(ErrorText.invalidField('socket.io 0.9 frames are text'));
    if (!fits) return this.inbound.refuseTooLarge(connection, bytes.length, bytes.toString('utf8', 0, REQUEST_ID_SCAN_CHARS * 4));
    this.inbound.receive(connection, bytes.toString('utf8'), true);
  }

  /** Stops accepting upgrades (open sockets are closed by their sessions). */
  close(): Promise<void> {
    return new Promise((resolve) => this.wss.close(() => resolve()));
  }
}

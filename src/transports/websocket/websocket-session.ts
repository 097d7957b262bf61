// Owns the hub's handle on one raw WebSocket: replies as JSON text, event frames written straight to
// the TCP socket, its send buffer, and how it ends (a drop, a credentials close, the peer's own close).
import type { Duplex } from 'node:stream';
import { WebSocket } from 'ws';
import type { SessionTransport, Transport } from '../../hub/transport';
import type { Reply } from '../../protocol/replies';
import { CloseCodes, CREDENTIALS_ENDED_REASON } from '../../protocol/close-codes';
import type { ClientAddress } from '../../guard/client-address';
import type { CorkedWrites } from '../corked-writes';

/** The close code ws reports when no close frame came from the peer (the connection just went). */
const ABNORMAL_CLOSURE = 1006;

/**
 * One raw WebSocket connection.
 * @example const transport = new WebSocketSession(owner, ws, address, req.socket); hub.openSession(transport);
 */
export class WebSocketSession implements SessionTransport {
  readonly generation = 'websocket';
  readonly label = 'websocket';
  readonly recoveryKey = undefined;
  readonly recoverySecret = undefined;
  alive = true;
  private peerClosed = false;

  /** `wire`: the upgraded TCP socket ws reads and writes; event frames are written to it directly. */
  constructor(readonly target: Transport, readonly socket: WebSocket, private readonly address: ClientAddress, private readonly wire: Duplex) {}

  get remoteAddress(): string {
    return this.address.ip;
  }

  get remotePort(): number {
    return this.address.port;
  }

  get endedByPeer(): boolean {
    return this.peerClosed;
  }

  /** The connection closed with `code`: a close frame from the client (any code but 1006) is a deliberate end. */
  closed(code: number): void {
    this.peerClosed = code !== ABNORMAL_CLOSURE;
  }

  reply(reply: Reply): void {
    this.send(JSON.stringify(reply));
  }

  replay(envelopes: readonly string[]): void {
    for (const text of envelopes) this.send(text);
  }

  private send(text: string): void {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.send(text);
  }

  /**
   * Writes a complete text frame built once for many clients straight to the TCP socket under ws:
   * ws writes synchronously there too (no compression), so frames never interleave. Frames of one
   * burst of deliveries leave together (`writes`).
   */
  sendFrame(frame: Buffer, writes: CorkedWrites): void {
    if (this.socket.readyState === WebSocket.OPEN) writes.write(this.wire, frame);
  }

  bufferedBytes(): number {
    return this.socket.bufferedAmount;
  }

  drop(code: number, reason: string, graceMs = 1000): void {
    const ws = this.socket;
    if (ws.readyState === WebSocket.CONNECTING || ws.readyState === WebSocket.OPEN) ws.close(code, reason);
    setTimeout(() => ws.terminate(), graceMs).unref();
  }

  closeForCredentials(): void {
    this.socket.close(CloseCodes.credentialsEnded, CREDENTIALS_ENDED_REASON);
  }
}

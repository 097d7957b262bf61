// Owns the hub's handle on one Socket.IO v4/EIO3 connection: replies on `message` (plus KAZOO 3.x's
// error events for legacy emits), its Engine.IO send buffer, and how it ends (drop, credentials close,
// the disconnect reason that says whether it may come back).
import type { Socket } from 'socket.io';
import type { CommandOrigin, SessionTransport, Transport } from '../../hub/transport';
import { Reply, replyError } from '../../protocol/replies';
import { legacyErrorEvent } from '../../protocol/legacy-error-events';
import type { ClientAddress } from '../../guard/client-address';
import { recoversFromHistory } from './recovery-adapter';

/** Socket.IO disconnect reasons after which its connection-state recovery keeps the session. */
const RECOVERABLE = new Set(['transport error', 'transport close', 'forced close', 'ping timeout']);

/** The parts of an Engine.IO socket read here (engine.io 6). */
interface EngineSocketLike {
  readonly protocol: number;
  readonly writeBuffer: ReadonlyArray<{ data?: unknown }>;
  readonly transport: { readonly name: string; readonly socket?: { readonly bufferedAmount: number; terminate(): void } };
  close(discard?: boolean): void;
}

/**
 * One Socket.IO connection.
 * @example const transport = new SocketIoSession(owner, socket, address); hub.openSession(transport);
 */
export class SocketIoSession implements SessionTransport {
  readonly generation = 'socketio';
  private reason?: string;

  constructor(readonly target: Transport, readonly socket: Socket, readonly address: ClientAddress) {}

  private get engine(): EngineSocketLike {
    return this.socket.conn as unknown as EngineSocketLike;
  }

  get label(): string {
    return this.engine.protocol === 3 ? 'socketio-eio3' : 'socketio';
  }

  get remoteAddress(): string {
    return this.address.ip;
  }

  /** Socket.IO keeps the socket id across a recovered reconnection; token lifetime follows it. */
  get recoveryKey(): string {
    return this.socket.id;
  }

  /** Socket.IO's private session id, which a recovering client sends back (not in socket.io's public types). */
  get recoverySecret(): string | undefined {
    return (this.socket as unknown as { pid?: string }).pid;
  }

  get endedByPeer(): boolean {
    return this.reason !== undefined && !RECOVERABLE.has(this.reason);
  }

  /** The socket disconnected for `reason` (Socket.IO's words). */
  disconnected(reason: string): void {
    this.reason = reason;
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

  replay(envelopes: readonly string[]): void {
    for (const text of envelopes) this.socket.emit('message', JSON.parse(text) as unknown);
  }

  /** Engine.IO's write buffer plus its websocket's `bufferedAmount`. */
  bufferedBytes(): number {
    const engine = this.engine;
    let n = engine.transport.socket?.bufferedAmount ?? 0;
    for (const packet of engine.writeBuffer) n += typeof packet.data === 'string' ? packet.data.length : 64;
    return n;
  }

  /** Closes the transport (not a DISCONNECT packet, after which clients would not reconnect); cut after `graceMs`. */
  drop(_code: number, _reason: string, graceMs = 1000): void {
    const engine = this.engine;
    const raw = engine.transport.socket;
    engine.close(true);
    if (raw) setTimeout(() => raw.terminate(), graceMs).unref();
  }

  /**
   * Closes the Engine.IO connection, not the Socket.IO socket: the client reconnects after a transport
   * close, but never after a server `disconnect` packet. Recovery is refused, so the client gets a fresh
   * socket (`socket.recovered` false) and subscribes again.
   */
  closeForCredentials(): void {
    const adapter = this.socket.nsp.adapter;
    if (recoversFromHistory(adapter)) adapter.refuse(this.socket.id);
    this.socket.conn.close();
  }
}

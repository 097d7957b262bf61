// Owns looking into each transport's outgoing buffer and closing a connection on purpose (too slow,
// shutdown), whatever its client generation. Reads transports structurally; knows no commands or events.
import type { Session } from '../hub/session';

interface WsLike {
  readonly readyState: number;
  readonly bufferedAmount: number;
  close(code?: number, reason?: string): void;
  terminate(): void;
}

interface EnginePacket {
  data?: unknown;
}

interface EngineSocketLike {
  readonly writeBuffer: EnginePacket[];
  readonly transport: { readonly name: string; readonly socket?: WsLike };
  close(discard?: boolean): void;
}

function rawWebSocketOf(session: Session): WsLike | undefined {
  return session.transport.generation === 'websocket' ? (session.transport as unknown as { socket: WsLike }).socket : undefined;
}

function engineOf(session: Session): EngineSocketLike | undefined {
  if (session.transport.generation !== 'socketio') return undefined;
  return (session.transport as unknown as { socket: { conn: EngineSocketLike } }).socket.conn;
}

function legacyOf(session: Session): { bufferedBytes(): number; close(reason: string): void } | undefined {
  const t = session.transport as unknown as { bufferedBytes?: () => number; close?: (reason: string) => void };
  return session.transport.generation === 'socketio-legacy' && t.bufferedBytes && t.close ? (t as { bufferedBytes(): number; close(reason: string): void }) : undefined;
}

/**
 * Bytes queued for one connection and not yet handed to the kernel: ws `bufferedAmount`, Engine.IO's
 * write buffer plus its websocket's `bufferedAmount`, or the 0.9 session's outbox plus its websocket.
 * @example if (bufferedBytes(session) > limit) dropConnection(session, CloseCodes.tooSlow, 'too slow');
 */
export function bufferedBytes(session: Session): number {
  const ws = rawWebSocketOf(session);
  if (ws) return ws.bufferedAmount;
  const engine = engineOf(session);
  if (engine) {
    let n = engine.transport.socket?.bufferedAmount ?? 0;
    for (const packet of engine.writeBuffer) n += typeof packet.data === 'string' ? packet.data.length : 64;
    return n;
  }
  return legacyOf(session)?.bufferedBytes() ?? 0;
}

/**
 * Closes one connection with a reason the client can act on; a peer that does not complete the close
 * within `graceMs` (it is not reading) is cut. Socket.IO gets its transport closed (not a DISCONNECT
 * packet, after which clients would not reconnect); 0.9 sessions end their transport, never with `0::`.
 * @example dropConnection(session, CloseCodes.tooSlow, 'too slow: send buffer over 1048576 bytes');
 */
export function dropConnection(session: Session, code: number, reason: string, graceMs = 1000): void {
  const ws = rawWebSocketOf(session);
  if (ws) {
    if (ws.readyState === 0 || ws.readyState === 1) ws.close(code, reason);
    setTimeout(() => ws.terminate(), graceMs).unref();
    return;
  }
  const engine = engineOf(session);
  if (engine) {
    const raw = engine.transport.socket;
    engine.close(true);
    if (raw) setTimeout(() => raw.terminate(), graceMs).unref();
    return;
  }
  legacyOf(session)?.close(reason);
}

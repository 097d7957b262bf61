// Owns the smallest WebSocket surface the client needs, met by browsers' WebSocket and by `ws` in Node,
// so the library compiles without the DOM library and runs under either.

/** A WebSocket as browsers and the `ws` package expose it. */
export interface WebSocketLike {
  readonly readyState: number;
  send(text: string): void;
  close(code?: number, reason?: string): void;
  /** Drops the TCP connection without a close handshake (`ws` only), so the server may park the session. */
  terminate?(): void;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: { code: number; reason: string; wasClean?: boolean }) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}

/** A WebSocket constructor: `globalThis.WebSocket`, or `require('ws')` on Node 20. */
export type WebSocketConstructor = new (url: string) => WebSocketLike;

/** The ready state of an open WebSocket. */
export const OPEN = 1;

/** Close codes the client itself uses. */
export const CLIENT_CLOSE = { normal: 1000, silent: 4000 } as const;

/** The runtime's own WebSocket, when it has one (browsers, Node 22+). */
export function globalWebSocket(): WebSocketConstructor | undefined {
  return (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
}

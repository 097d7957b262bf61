// Owns the client's options and the connection-state events it emits: the public vocabulary shared
// by the client and its users. No behaviour here.
import type { BackoffOptions } from './backoff';
import type { WebSocketConstructor } from './socket';

/** Where the connection is: `idle` before connect(), `closed` after close(). */
export type ConnectionState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed';

/** A token, or a promise of one. */
export type TokenProvider = () => string | Promise<string>;

export interface ClientOptions {
  /** The bridge's WebSocket URL, e.g. `ws://localhost:5555/` or `wss://bridge.example.com:7777/`. */
  url: string;
  /** Called on every (re)connect and whenever the server says the token failed; returns the token to use. */
  getToken: TokenProvider;
  /** The WebSocket constructor: defaults to the global one (browsers, Node 22+); on Node 20 pass `require('ws')`. */
  WebSocket?: WebSocketConstructor;
  /** Reply deadline of a request (default 10 000 ms; `api` requests get 15 000 unless given). */
  requestTimeoutMs?: number;
  /** Gives up on a socket that has not opened after this long and retries (default 10 000 ms). */
  openTimeoutMs?: number;
  /** Sends a `ping` this often while open; a ping without a reply drops the socket (default 25 000; 0: never). */
  keepaliveMs?: number;
  /** Reconnect delays (exponential, with jitter). */
  backoff?: BackoffOptions;
  /** Resume subscriptions (and the events missed) after a drop, when the server offers it (default true). */
  resume?: boolean;
  /** Prefix of request ids (default `eh-`). */
  requestIdPrefix?: string;
}

/** How a socket closed. */
export interface CloseInfo {
  code: number;
  reason: string;
  /** Whether the socket had opened (false: the attempt itself failed). */
  wasOpen: boolean;
  /** Whether the client closed it on purpose. */
  byClient: boolean;
}

/** A frame on the wire, for inspectors (the demo page's frames panel). */
export interface FrameInfo {
  direction: 'in' | 'out';
  text: string;
}

/** An error reply nobody asked for: a token expired or an account was withdrawn; subscriptions ended. */
export interface NoticeInfo {
  errors: string[];
  accountId?: string;
  unsubscribed: string[];
}

/** The events a client emits about its connection. */
export interface ClientEvents {
  /** Every state change. */
  state: { state: ConnectionState; previous: ConnectionState };
  /** A socket opened and the token is fetched. */
  open: { reconnect: boolean };
  /** A socket closed (also a failed attempt). */
  close: CloseInfo;
  /** The next attempt is scheduled. */
  reconnecting: { attempt: number; delayMs: number };
  /** Subscriptions are back after a reconnect: resumed (with `missed` events replayed) or subscribed again. */
  restored: { resumed: boolean; missed: number; bindings: string[] };
  /** A subscription the server refused; its handlers are dropped. */
  refused: { accountId: string; binding: string; error: Error };
  /** An unasked error notice from the server. */
  notice: NoticeInfo;
  /** getToken() gave a token. */
  token: { reason: 'connect' | 'refused' };
  /** Something went wrong that no request was waiting for (getToken threw, a resubscribe failed). */
  error: Error;
  frame: FrameInfo;
}

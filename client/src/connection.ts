// Owns one socket at a time and its life: opening with a deadline, noticing closes, and scheduling the
// next attempt with backoff. Knows nothing of tokens, commands or subscriptions: it reports upward.
import { backoffDelay, BackoffOptions } from './backoff';
import { CLIENT_CLOSE, OPEN, WebSocketConstructor, WebSocketLike } from './socket';
import type { CloseInfo } from './types';

export interface ConnectionHooks {
  /** A socket opened. */
  opened(): void;
  /** A text frame arrived. */
  message(text: string): void;
  /** The socket closed or the attempt failed; `retryInMs` is undefined when no retry follows. */
  closed(info: CloseInfo, retry: { attempt: number; delayMs: number } | undefined): void;
  /** An attempt starts (`attempt` 0 is the first since connect() or the last success). */
  connecting(attempt: number): void;
}

export interface ConnectionOptions {
  url: string;
  WebSocket: WebSocketConstructor;
  openTimeoutMs: number;
  backoff: BackoffOptions;
}

/**
 * Keeps a socket open until stop(): every close is followed by a new attempt after a backoff delay.
 * @example const c = new Connection(opts, hooks); c.start(); c.send('{"action":"ping"}'); c.stop();
 */
export class Connection {
  private socket: WebSocketLike | undefined;
  private attempt = 0;
  private generation = 0;
  private running = false;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly opts: ConnectionOptions, private readonly hooks: ConnectionHooks) {}

  get isOpen(): boolean {
    return this.socket !== undefined && this.socket.readyState === OPEN;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.attempt = 0;
    this.open();
  }

  /** Closes for good (close code 1000): no further attempts. */
  stop(reason = 'client closed'): void {
    this.running = false;
    clearTimeout(this.timer);
    const socket = this.detach();
    if (!socket) return;
    const wasOpen = socket.readyState === OPEN;
    try {
      socket.close(CLIENT_CLOSE.normal, reason);
    } catch {
      // already closing
    }
    this.hooks.closed({ code: CLIENT_CLOSE.normal, reason, wasOpen, byClient: true }, undefined);
  }

  /** The connection is healthy again: the next failure starts the backoff from its first step. */
  resetBackoff(): void {
    this.attempt = 0;
  }

  /**
   * Drops the current socket as if the network had (no close handshake where the runtime allows it, so
   * the server keeps the session for resume) and reconnects.
   */
  drop(reason: string): void {
    const socket = this.detach();
    if (!socket) return;
    const wasOpen = socket.readyState === OPEN;
    try {
      if (socket.terminate) socket.terminate();
      else socket.close(CLIENT_CLOSE.silent, reason);
    } catch {
      // already closing
    }
    this.afterClose({ code: 1006, reason, wasOpen, byClient: true });
  }

  /** Sends one text frame; false when no socket is open. */
  send(text: string): boolean {
    if (!this.socket || this.socket.readyState !== OPEN) return false;
    this.socket.send(text);
    return true;
  }

  private open(): void {
    const generation = ++this.generation;
    this.hooks.connecting(this.attempt);
    let socket: WebSocketLike;
    try {
      socket = new this.opts.WebSocket(this.opts.url);
    } catch (err) {
      this.afterClose({ code: 1006, reason: err instanceof Error ? err.message : String(err), wasOpen: false, byClient: false });
      return;
    }
    this.socket = socket;
    let opened = false;
    this.timer = setTimeout(() => {
      if (generation === this.generation) this.drop(`not open after ${this.opts.openTimeoutMs} ms`);
    }, this.opts.openTimeoutMs);
    socket.onopen = () => {
      if (generation !== this.generation) return;
      opened = true;
      clearTimeout(this.timer);
      this.hooks.opened();
    };
    socket.onmessage = (ev) => {
      if (generation === this.generation) this.hooks.message(typeof ev.data === 'string' ? ev.data : String(ev.data));
    };
    socket.onerror = () => undefined; // a close event follows
    socket.onclose = (ev) => {
      if (generation !== this.generation) return;
      this.detach();
      this.afterClose({ code: ev.code, reason: ev.reason ?? '', wasOpen: opened, byClient: false });
    };
  }

  private detach(): WebSocketLike | undefined {
    const socket = this.socket;
    this.socket = undefined;
    this.generation++;
    clearTimeout(this.timer);
    if (socket) socket.onopen = socket.onmessage = socket.onclose = socket.onerror = null;
    return socket;
  }

  private afterClose(info: CloseInfo): void {
    if (!this.running) {
      this.hooks.closed(info, undefined);
      return;
    }
    const retry = { attempt: this.attempt + 1, delayMs: backoffDelay(this.attempt, this.opts.backoff) };
    this.attempt++;
    this.hooks.closed(info, retry);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      if (this.running) this.open();
    }, retry.delayMs);
  }
}

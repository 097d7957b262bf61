// A raw WebSocket client that behaves as Monster UI's socket module does in the field, written from its
// rules: events routed only by exact `subscribed_key`, replies matched only to its own request ids,
// the token read at send time, subscriptions sent again only when the socket reconnects (first retry
// after 250 ms, doubling up to 60 s), or after a reply to its own subscribe says the token failed.
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';

interface Listener {
  accountId: string;
  callback: (data: Record<string, unknown>) => void;
}

interface BindParams extends Listener {
  binding: string;
}

interface Reply {
  action: 'reply';
  request_id?: string;
  status: string;
  data?: { errors?: string[] };
}

/**
 * @example const c = new MonsterRulesClient(url, () => token); c.connect(); c.bind({ accountId, binding, callback });
 */
export class MonsterRulesClient {
  /** Listeners by binding, kept across reconnections (what the client believes it is bound to). */
  private bindings = new Map<string, Listener[]>();
  private readonly handshakes = new Map<string, (reply: Reply) => void>();
  private ws?: WebSocket;
  private reconnectTimer?: number;
  private reconnectTimeout?: NodeJS.Timeout;
  private shouldClose = false;
  /** Every open of the socket, and every close code the server sent. */
  readonly opens: number[] = [];
  readonly closeCodes: number[] = [];
  /** Errors it only logs, as the real client does (unknown request ids, failed subscribes). */
  readonly logged: string[] = [];

  /**
   * @param token read each time a command is sent (`monster.util.getAuthToken()`)
   * @param retryLogin what `auth.retryLogin` does: true when a fresh login gave a new token
   */
  constructor(
    private readonly url: string,
    private readonly token: () => string,
    private readonly retryLogin: () => boolean = () => false,
  ) {}

  connect(): void {
    if (this.ws && (this.ws.readyState === WebSocket.CONNECTING || this.ws.readyState === WebSocket.OPEN)) return;
    const ws = new WebSocket(this.url);
    this.ws = ws;
    ws.on('open', () => this.onOpen());
    ws.on('close', (code) => this.onClose(code));
    ws.on('error', () => undefined);
    ws.on('message', (data) => this.onMessage(JSON.parse(data.toString()) as Record<string, unknown>));
  }

  /** Closes for good (no reconnection). */
  disconnect(): Promise<void> {
    clearTimeout(this.reconnectTimeout);
    this.reconnectTimeout = undefined;
    this.shouldClose = true;
    const ws = this.ws;
    if (!ws || ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      ws.once('close', () => resolve());
      ws.close();
    });
  }

  close(): Promise<void> {
    return this.disconnect();
  }

  get isOpen(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  /** Subscribes unless the binding is already subscribed or the socket is not open; the listener is kept either way on success. */
  bind(params: BindParams): void {
    const register = () => {
      const listeners = this.bindings.get(params.binding) ?? [];
      if (!listeners.some((l) => l.callback === params.callback && l.accountId === params.accountId)) listeners.push({ accountId: params.accountId, callback: params.callback });
      this.bindings.set(params.binding, listeners);
    };
    if (this.bindings.has(params.binding) || !this.isOpen) return register();
    this.send('subscribe', params.accountId, params.binding, (reply) => {
      if (reply.status === 'success') return register();
      const authError = (reply.data?.errors ?? []).some((e) => e.startsWith('failed to authenticate token'));
      if (!authError) return void this.logged.push(`failed to subscribe to ${params.binding}`);
      if (this.retryLogin()) this.bind(params);
      else this.logged.push('failed to reauthenticate');
    });
  }

  private send(action: 'subscribe' | 'unsubscribe', accountId: string, binding: string, handleReply: (reply: Reply) => void): void {
    const requestId = randomUUID();
    this.handshakes.set(requestId, handleReply);
    this.ws!.send(JSON.stringify({ action, auth_token: this.token(), request_id: requestId, data: { account_id: accountId, binding } }));
  }

  private onOpen(): void {
    this.opens.push(Date.now());
    // Re-subscribes only when this open is a reconnection.
    if (this.reconnectTimeout && this.bindings.size > 0) {
      const ejected = [...this.bindings].flatMap(([binding, listeners]) => listeners.map((l) => ({ ...l, binding })));
      this.bindings = new Map();
      for (const params of ejected) this.bind(params);
    }
    clearTimeout(this.reconnectTimeout);
    this.reconnectTimeout = undefined;
    this.reconnectTimer = undefined;
  }

  private onClose(code: number): void {
    this.closeCodes.push(code);
    if (this.shouldClose) {
      this.shouldClose = false;
      return;
    }
    this.reconnectTimer = Math.min((this.reconnectTimer ?? 125) * 2, 60_000);
    this.reconnectTimeout = setTimeout(() => this.connect(), this.reconnectTimer);
  }

  private onMessage(message: Record<string, unknown>): void {
    if (message['action'] === 'reply') {
      const reply = message as unknown as Reply;
      for (const e of reply.data?.errors ?? []) this.logged.push(e);
      const handler = reply.request_id === undefined ? undefined : this.handshakes.get(reply.request_id);
      if (reply.request_id !== undefined) this.handshakes.delete(reply.request_id);
      handler?.(reply);
    } else if (message['action'] === 'event') {
      const key = message['subscribed_key'];
      for (const l of (typeof key === 'string' && this.bindings.get(key)) || []) l.callback({ ...(message['data'] as Record<string, unknown>) });
    }
  }
}

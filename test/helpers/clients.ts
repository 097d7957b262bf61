// Real clients for tests: raw `ws`, socket.io-client v4, and socket.io-client v2 (Engine.IO 3),
// each recording what it receives in an Inbox and speaking the envelope protocol the same way.
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { io as ioV4, Socket as SocketV4 } from 'socket.io-client';
import { Inbox, Received } from './inbox';
import { waitUntil } from './wait';
import type { EventEnvelope } from '../../src/protocol/event-envelope';

// socket.io-client 2.x (EIO3) has no types of its own.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const ioV2 = require('socket.io-client-v2') as (url: string, opts: Record<string, unknown>) => LegacySocket;

interface LegacySocket {
  connected: boolean;
  io: { engine: { transport: { query: Record<string, string> } } };
  on(event: string, fn: (...args: unknown[]) => void): void;
  once(event: string, fn: (...args: unknown[]) => void): void;
  emit(event: string, ...args: unknown[]): void;
  close(): void;
  onevent: (packet: { data: unknown[] }) => void;
}

export interface ReplyMessage {
  action: 'reply';
  request_id: string;
  status: 'success' | 'error';
  data: Record<string, unknown> & { errors?: string[]; subscribed?: string[]; unsubscribed?: string[] };
}

/** The KAZOO 4.x `event` envelope as clients receive it. */
export type EventMessage = EventEnvelope;

export type Generation = 'websocket' | 'socketio-v4' | 'socketio-v2';

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object';
}

/** A client that speaks the envelope protocol, whatever its transport. */
export abstract class EnvelopeClient {
  readonly inbox = new Inbox();
  abstract readonly generation: Generation;

  /** Sends one envelope (object) or raw text as is. */
  abstract send(envelope: unknown): void;
  abstract close(): Promise<void>;
  /** The envelope-level messages (replies and events) among what was received. */
  protected abstract envelopeOf(item: Received): unknown;

  /** Every envelope received so far, in order. */
  envelopes(): unknown[] {
    return this.inbox.items.map((i) => this.envelopeOf(i)).filter((e) => e !== undefined);
  }

  /** Received `event` envelopes matching `pred`. */
  events(pred: (e: EventMessage) => boolean = () => true): EventMessage[] {
    return this.envelopes().filter((e): e is EventMessage => isObject(e) && e['action'] === 'event' && pred(e as unknown as EventMessage));
  }

  /** Sends an envelope with a fresh request_id (unless given) and waits for its reply. */
  async request(envelope: Record<string, unknown>, timeoutMs = 5000): Promise<ReplyMessage> {
    const requestId = typeof envelope['request_id'] === 'string' ? envelope['request_id'] : randomBytes(8).toString('hex');
    this.send({ ...envelope, request_id: requestId });
    return this.nextReply((r) => r.request_id === requestId, timeoutMs);
  }

  /** Waits for a reply matching `pred` (for messages sent without a request id). */
  async nextReply(pred: (r: ReplyMessage) => boolean = () => true, timeoutMs = 5000, from = 0): Promise<ReplyMessage> {
    const item = await this.inbox.wait('a reply', (i) => {
      const e = this.envelopeOf(i);
      return isObject(e) && e['action'] === 'reply' && pred(e as unknown as ReplyMessage);
    }, timeoutMs, from);
    return this.envelopeOf(item) as ReplyMessage;
  }

  /** Waits until the server ended the connection: the WebSocket close (code, reason) or Socket.IO's disconnect reason. */
  ended(timeoutMs = 5000): Promise<unknown> {
    return this.inbox.wait('the connection ended', (i) => i.name === 'close' || i.name === 'disconnect', timeoutMs).then((i) => i.data);
  }

  /** Waits until `n` event envelopes match `pred`. */
  async waitEvents(what: string, pred: (e: EventMessage) => boolean, n = 1, timeoutMs = 5000): Promise<EventMessage[]> {
    const items = await this.inbox.waitCount(what, (i) => {
      const e = this.envelopeOf(i);
      return isObject(e) && e['action'] === 'event' && pred(e as unknown as EventMessage);
    }, n, timeoutMs);
    return items.map((i) => this.envelopeOf(i) as EventMessage);
  }

  subscribe(token: string, accountId: string, binding: string | string[], extra: Record<string, unknown> = {}): Promise<ReplyMessage> {
    const data = Array.isArray(binding) ? { account_id: accountId, bindings: binding, ...extra } : { account_id: accountId, binding, ...extra };
    return this.request({ action: 'subscribe', auth_token: token, data });
  }

  unsubscribe(token: string, accountId: string, binding: string | string[]): Promise<ReplyMessage> {
    const data = Array.isArray(binding) ? { account_id: accountId, bindings: binding } : { account_id: accountId, binding };
    return this.request({ action: 'unsubscribe', auth_token: token, data });
  }
}

/** A raw WebSocket envelope client (KAZOO 4.x, Monster UI). */
export class WsClient extends EnvelopeClient {
  readonly generation = 'websocket' as const;
  closeInfo?: { code: number; reason: string };
  /** The client's TCP port, as the bridge sees it (read from the upgrade response's socket). */
  localPort?: number;
  /** The upgrade response's first `Set-Cookie` (a worker's affinity cookie). */
  setCookie?: string;

  private constructor(readonly socket: WebSocket) {
    super();
    socket.on('message', (data, isBinary) => {
      const text = isBinary ? '' : data.toString();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        /* kept as text */
      }
      this.inbox.push({ name: 'frame', data: parsed });
    });
    socket.on('close', (code, reason) => {
      this.closeInfo = { code, reason: reason.toString() };
      this.inbox.push({ name: 'close', data: this.closeInfo });
    });
  }

  /** `options` reach `ws` as is (headers such as Origin or X-Forwarded-For, `localAddress`). */
  static connect(url: string, options: WebSocket.ClientOptions = {}): Promise<WsClient> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, options);
      const client = new WsClient(socket);
      socket.once('upgrade', (res) => {
        client.localPort = res.socket.localPort;
        client.setCookie = res.headers['set-cookie']?.[0];
      });
      socket.once('open', () => resolve(client));
      socket.once('error', reject);
    });
  }

  send(envelope: unknown): void {
    this.socket.send(typeof envelope === 'string' ? envelope : JSON.stringify(envelope));
  }

  protected envelopeOf(item: Received): unknown {
    return item.name === 'frame' ? item.data : undefined;
  }

  async close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return;
    const closed = new Promise<void>((resolve) => this.socket.once('close', () => resolve()));
    this.socket.close();
    await closed;
  }
}

/** Common ground of the two Socket.IO clients. */
abstract class SocketIoClient extends EnvelopeClient {
  abstract emit(event: string, ...args: unknown[]): void;

  send(envelope: unknown): void {
    this.emit('message', envelope);
  }

  /** The legacy `emit("subscribe"|"unsubscribe", {account_id, auth_token, binding})`. */
  emitLegacy(action: 'subscribe' | 'unsubscribe', payload: Record<string, unknown>): void {
    this.emit(action, payload);
  }

  /** Named events (`CHANNEL_CREATE`, `auth_failure`, …) received, by name. */
  named(name: string): unknown[] {
    return this.inbox.filter((i) => i.name === name).map((i) => i.data);
  }

  waitNamed(name: string, pred: (data: unknown) => boolean = () => true, timeoutMs = 5000): Promise<unknown> {
    return this.inbox.wait(`event ${name}`, (i) => i.name === name && pred(i.data), timeoutMs).then((i) => i.data);
  }

  protected envelopeOf(item: Received): unknown {
    return item.name === 'message' ? item.data : undefined;
  }
}

/** socket.io-client v4. */
export class SocketIoV4Client extends SocketIoClient {
  readonly generation = 'socketio-v4' as const;

  private constructor(readonly socket: SocketV4) {
    super();
    socket.onAny((name: string, ...args: unknown[]) => this.inbox.push({ name, data: args[0] }));
    socket.on('disconnect', (reason) => this.inbox.push({ name: 'disconnect', data: reason }));
  }

  static connect(url: string, transports: string[] = ['websocket']): Promise<SocketIoV4Client> {
    const socket = ioV4(url, { transports, forceNew: true, reconnection: false });
    const client = new SocketIoV4Client(socket);
    return new Promise((resolve, reject) => {
      socket.once('connect', () => resolve(client));
      socket.once('connect_error', reject);
    });
  }

  emit(event: string, ...args: unknown[]): void {
    this.socket.emit(event, ...args);
  }

  async close(): Promise<void> {
    this.socket.close();
  }
}

/** socket.io-client v2 (Engine.IO protocol 3), as KAZOO-era apps bundled it. */
export class SocketIoV2Client extends SocketIoClient {
  readonly generation = 'socketio-v2' as const;

  private constructor(readonly socket: LegacySocket) {
    super();
    const original = socket.onevent;
    socket.onevent = (packet) => {
      const [name, data] = packet.data as [string, unknown];
      this.inbox.push({ name, data });
      original.call(socket, packet);
    };
    socket.on('disconnect', (reason) => this.inbox.push({ name: 'disconnect', data: reason }));
  }

  static connect(url: string, transports: string[] = ['websocket']): Promise<SocketIoV2Client> {
    const socket = ioV2(url, { transports, forceNew: true, reconnection: false });
    const client = new SocketIoV2Client(socket);
    return new Promise((resolve, reject) => {
      socket.once('connect', () => resolve(client));
      socket.once('connect_error', reject);
    });
  }

  /** The Engine.IO protocol revision the client negotiated with (the `EIO` query parameter). */
  get engineProtocol(): number {
    return Number(this.socket.io.engine.transport.query['EIO']);
  }

  emit(event: string, ...args: unknown[]): void {
    this.socket.emit(event, ...args);
  }

  async close(): Promise<void> {
    this.socket.close();
  }
}

/** Connects a client of the given generation. */
export function connectClient(generation: Generation, baseUrl: string): Promise<EnvelopeClient> {
  switch (generation) {
    case 'websocket':
      return WsClient.connect(baseUrl.replace(/^http/, 'ws') + '/');
    case 'socketio-v4':
      return SocketIoV4Client.connect(baseUrl);
    case 'socketio-v2':
      return SocketIoV2Client.connect(baseUrl);
  }
}

/**
 * A raw WebSocket client and a Socket.IO v4 client on `baseUrl`, each subscribed to `binding` for one
 * account. Both go onto `open` before subscribing, so the test's teardown closes them whatever happens;
 * a subscription that is not a success fails with its reply.
 * @example const { ws, sio } = await subscribedWsAndV4(server.url, id, 'call.CHANNEL_CREATE.*', open);
 */
export async function subscribedWsAndV4(
  baseUrl: string,
  identity: { token: string; accountId: string },
  binding: string,
  open: EnvelopeClient[],
): Promise<{ ws: WsClient; sio: SocketIoV4Client }> {
  const ws = await WsClient.connect(baseUrl.replace(/^http/, 'ws') + '/');
  open.push(ws);
  const sio = await SocketIoV4Client.connect(baseUrl);
  open.push(sio);
  for (const client of [ws, sio]) {
    const reply = await client.subscribe(identity.token, identity.accountId, binding);
    if (reply.status !== 'success') throw new Error(`subscribe ${binding} failed: ${JSON.stringify(reply)}`);
  }
  return { ws, sio };
}

export const GENERATIONS: Generation[] = ['websocket', 'socketio-v4', 'socketio-v2'];

export { waitUntil };

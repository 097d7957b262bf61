// Owns one load-generating client connection: the WebSocket, its protocol handshake, subscribe and
// unsubscribe round trips with a deadline, keep-alive answers, and handing event frames to a callback.
// Knows nothing about what is measured; scenarios decide that through `onEvent`.
import http from 'node:http';
import { WebSocket } from 'ws';
import type { SubscriptionSpec, WireProtocol } from './wire-protocols';

interface Waiter {
  match: (frame: string) => boolean;
  resolve: () => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

let nextRef = 1;

/** Socket.IO 0.9 needs an HTTP handshake for its session id before the WebSocket. */
function legacySessionId(base: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${base}/socket.io/1/?t=${Date.now()}`, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => (res.statusCode === 200 && /^[^:]+:/.test(body) ? resolve(body.split(':')[0]!) : reject(new Error(`0.9 handshake: ${res.statusCode} ${body.slice(0, 80)}`))));
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error('0.9 handshake timed out')));
    req.on('error', reject);
  });
}

/**
 * A lean client: real protocol frames, no per-message parsing beyond what counting needs.
 * @example const c = await LeanClient.connect(envelopeProtocol, base, 5000); await c.subscribe(spec, token);
 */
export class LeanClient {
  private waiter?: Waiter;
  onEvent: (frame: Buffer) => void = () => undefined;

  private constructor(readonly protocol: WireProtocol, readonly socket: WebSocket, private readonly timeoutMs: number) {
    socket.on('message', (data: Buffer) => this.onFrame(data));
    socket.on('error', () => undefined);
    socket.on('close', () => this.waiter?.reject(new Error('connection closed')));
  }

  /** `localAddress`: a loopback source address of its own (127.0.0.N), so one port's clients are not capped by one address's ephemeral ports. */
  static async connect(protocol: WireProtocol, base: string, timeoutMs: number, localAddress?: string): Promise<LeanClient> {
    const sid = protocol.name === 'socket.io-0.9' ? await legacySessionId(base, timeoutMs) : undefined;
    const socket = new WebSocket(protocol.url(base, sid), protocol.subprotocols ?? [], {
      perMessageDeflate: false,
      skipUTF8Validation: true,
      handshakeTimeout: timeoutMs,
      ...(localAddress ? { localAddress } : {}),
    });
    const client = new LeanClient(protocol, socket, timeoutMs);
    const steps = protocol.hello?.() ?? [];
    // The first handshake step's reply may arrive right after open: wait for it before opening completes.
    const first = steps[0] ? client.expect(steps[0].until) : undefined;
    first?.catch(() => undefined); // awaited below; this only keeps an early failure from going unhandled
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
      socket.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    });
    for (const [i, step] of steps.entries()) {
      const done = i === 0 ? first! : client.expect(step.until);
      for (const frame of step.send) socket.send(frame);
      await done;
    }
    return client;
  }

  private expect(match: (frame: string) => boolean): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        reject(new Error(`${this.protocol.name}: no answer within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.waiter = {
        match,
        resolve: () => {
          clearTimeout(timer);
          this.waiter = undefined;
          resolve();
        },
        reject: (err) => {
          clearTimeout(timer);
          this.waiter = undefined;
          reject(err);
        },
        timer,
      };
    });
  }

  private onFrame(frame: Buffer): void {
    const answer = this.protocol.keepAlive?.(frame);
    if (answer !== undefined) {
      this.socket.send(answer);
      return;
    }
    if (this.protocol.isEvent(frame)) {
      this.onEvent(frame);
      return;
    }
    const waiter = this.waiter;
    if (!waiter) return;
    const text = frame.toString('utf8');
    try {
      if (!waiter.match(text)) return;
    } catch (err) {
      waiter.reject(err as Error);
      return;
    }
    if (text.includes('"status":"error"')) waiter.reject(new Error(`refused: ${text.slice(0, 200)}`));
    else waiter.resolve();
  }

  /** One round trip: sends and waits for the protocol's acknowledgement. */
  private roundTrip(frame: { send: string; ack: (f: string) => boolean }): Promise<void> {
    const done = this.expect(frame.ack);
    this.socket.send(frame.send);
    return done;
  }

  subscribe(spec: SubscriptionSpec, token: string): Promise<void> {
    return this.roundTrip(this.protocol.subscribe(spec, token, nextRef++));
  }

  unsubscribe(spec: SubscriptionSpec, token: string): Promise<void> {
    return this.roundTrip(this.protocol.unsubscribe(spec, token, nextRef++));
  }

  /** Closes and resolves when the socket is closed (or after the deadline, terminating it). */
  close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.socket.terminate();
        resolve();
      }, this.timeoutMs);
      this.socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      const bye = this.protocol.goodbye?.(nextRef++);
      if (bye && this.socket.readyState === WebSocket.OPEN) this.socket.send(bye);
      this.socket.close();
    });
  }
}

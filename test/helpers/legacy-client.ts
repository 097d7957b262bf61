// The real socket.io 0.9.16 Node client (npm alias socket.io-client-09) for tests: every event it emits
// locally (connect, disconnect, CHANNEL_CREATE, message, …) is recorded in an Inbox.
import { Inbox } from './inbox';

/** The parts of the 0.9 client's namespace socket the tests use. */
export interface Socket09 {
  socket: { sessionid: string; transport?: { name: string }; connected: boolean };
  on(event: string, fn: (...args: unknown[]) => void): void;
  emit(event: string, ...args: unknown[]): void;
  disconnect(): void;
  $emit: (name: string, ...args: unknown[]) => unknown;
}

interface Io09 {
  transports: string[];
  connect(url: string, options: Record<string, unknown>): Socket09;
}

// socket.io-client 0.9 has no types.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const io09 = require('socket.io-client-09') as Io09;

export type Transport09 = 'websocket' | 'xhr-polling';

/**
 * A 0.9.16 client forced onto one transport; `connected` resolves on its first `connect`.
 * @example const c = Client09.open(url, 'xhr-polling'); await c.connected; c.socket.emit('subscribe', {…});
 */
export class Client09 {
  readonly inbox = new Inbox();
  readonly connected: Promise<void>;

  private constructor(readonly socket: Socket09) {
    const original = socket.$emit;
    socket.$emit = (name: string, ...args: unknown[]) => {
      this.inbox.push({ name, data: args[0] });
      return original.call(socket, name, ...args);
    };
    this.connected = this.inbox.wait('connect', (i) => i.name === 'connect', 5000).then(() => undefined);
  }

  static open(url: string, transport: Transport09, options: Record<string, unknown> = {}): Client09 {
    // The client deep-merges a `transports` option into a shared default: set the global list instead.
    io09.transports = [transport];
    return new Client09(io09.connect(url, { 'force new connection': true, 'reconnection delay': 100, ...options }));
  }

  /** Events of one name received so far (payloads). */
  named(name: string): unknown[] {
    return this.inbox.filter((i) => i.name === name).map((i) => i.data);
  }

  waitNamed(name: string, pred: (data: unknown) => boolean = () => true, timeoutMs = 5000, from = 0): Promise<unknown> {
    return this.inbox.wait(`0.9 event ${name}`, (i) => i.name === name && pred(i.data), timeoutMs, from).then((i) => i.data);
  }

  /** `emit(name, data, ack)`, resolved with the ack's arguments. */
  emitWithAck(name: string, data: unknown, timeoutMs = 5000): Promise<unknown[]> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ack for ${name} within ${timeoutMs} ms`)), timeoutMs);
      this.socket.emit(name, data, (...args: unknown[]) => {
        clearTimeout(timer);
        resolve(args);
      });
    });
  }

  close(): void {
    this.socket.disconnect();
  }
}

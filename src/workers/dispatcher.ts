// Owns the shared port in the primary: accepts each TCP connection, reads its request head and hands
// the socket (with the bytes read) to the worker that must serve it, or to the primary's own endpoints.
// Connections that arrive while no worker serves wait for one. Knows routes, not what workers do.
import net from 'node:net';
import type { Logger } from 'pino';
import { requestHead, Route, routeOf } from './route';
import { stopReading } from './socket-handover';

/** The longest request head the primary waits for before routing the connection by what it has. */
const MAX_HEAD_BYTES = 8192;
/** A connection that sends no request head within this long is closed. */
const HEAD_TIMEOUT_MS = 10_000;

export interface DispatchTargets {
  /** Indexes of the workers that serve now. */
  serving(): readonly number[];
  /** Hands a socket and its first bytes to worker `index` (the socket is closed if that fails). */
  toWorker(index: number, socket: net.Socket, head: Buffer): void;
  /** Serves a socket in the primary (machine-wide /metrics, /readyz). */
  toPrimary(socket: net.Socket, head: Buffer): void;
}

/**
 * The primary's listener: pins sessions to their worker by the `wN_` sid prefix, new connections of a
 * browser to the worker its affinity cookie names, and spreads the rest round-robin over the serving workers.
 * @example const d = new Dispatcher(targets, logger); await d.listen(5555, '0.0.0.0'); … d.flush(); … d.close();
 */
export class Dispatcher {
  readonly server = net.createServer({ pauseOnConnect: true }, (socket) => this.accept(socket));
  private readonly waiting: Array<{ socket: net.Socket; head: Buffer; route: Route }> = [];
  private next = 0;

  constructor(private readonly targets: DispatchTargets, private readonly logger: Logger) {}

  /** Binds the port (before any worker starts, so a busy port fails the start at once). */
  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      // A deep backlog: connections wait here while the primary reads each one's request head.
      this.server.listen({ port, host, backlog: 4096 }, () => {
        this.server.off('error', reject);
        resolve((this.server.address() as net.AddressInfo).port);
      });
    });
  }

  private accept(socket: net.Socket): void {
    const chunks: Buffer[] = [];
    let size = 0;
    socket.setTimeout(HEAD_TIMEOUT_MS, () => socket.destroy());
    socket.on('error', () => socket.destroy());
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      const head = Buffer.concat(chunks, size);
      const text = requestHead(head);
      if (text === undefined && size < MAX_HEAD_BYTES) return;
      socket.pause();
      stopReading(socket);
      socket.off('data', onData);
      socket.setTimeout(0);
      this.route(socket, head, routeOf(text ?? head.toString('latin1')));
    };
    socket.on('data', onData);
    socket.resume();
  }

  private route(socket: net.Socket, head: Buffer, route: Route): void {
    if (route.to === 'primary') return this.targets.toPrimary(socket, head);
    const serving = this.targets.serving();
    if (serving.length === 0) {
      this.waiting.push({ socket, head, route });
      return;
    }
    // A session whose worker is gone (crashed, restarting) goes to another: it answers "unknown
    // session" and the client starts a new one there. So does a cookie naming a worker that is gone.
    const index = route.to === 'worker' && serving.includes(route.index) ? route.index : serving[this.next++ % serving.length]!;
    this.targets.toWorker(index, socket, head);
  }

  /** Routes the connections that waited for a serving worker. */
  flush(): void {
    const waiting = this.waiting.splice(0);
    if (waiting.length > 0) this.logger.debug({ connections: waiting.length }, 'routing the connections that waited for a worker');
    for (const w of waiting) if (!w.socket.destroyed) this.route(w.socket, w.head, w.route);
  }

  /** Stops accepting; connections already handed over are the workers'. */
  close(): void {
    this.server.close();
    for (const w of this.waiting.splice(0)) w.socket.destroy();
  }
}

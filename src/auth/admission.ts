// Owns admitting new connections on the shared HTTP port: origin policy, blocked IPs and the per-IP
// connection cap, answered with HTTP 403/429 before any transport sees the request. No wire formats here.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { ErrorText } from '../protocol/error-texts';
import type { ClientAddressResolver } from '../http/client-address';
import type { AuthFailureTracker } from './auth-failures';
import type { ConnectionLimiter } from './connection-limiter';
import type { LimitsCounters } from './limits-counters';

export interface AdmissionOptions {
  limiter: ConnectionLimiter;
  failures: AuthFailureTracker;
  originAllowed: (origin: string | undefined) => boolean;
  addresses: ClientAddressResolver;
  counters: LimitsCounters;
  logger: Logger;
}

/** A refused connection attempt: the HTTP status and the text sent with it. */
export interface Refusal {
  status: 403 | 429;
  text: string;
}

/** The part of an Engine.IO server the gate counts sessions on. */
export interface EngineLike {
  on(event: 'connection', listener: (socket: { request: IncomingMessage; close(): void; once(event: 'close', fn: () => void): unknown }) => void): unknown;
}

type Listener = (...args: unknown[]) => void;

const REASONS: Record<Refusal['status'], string> = { 403: 'Forbidden', 429: 'Too Many Requests' };

function query(url: string): URLSearchParams {
  const q = url.indexOf('?');
  return new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
}

/**
 * A request that starts a new Socket.IO session: an Engine.IO handshake, or the 0.9 `GET /socket.io/1/`.
 * Engine.IO's own rule decides: no session without a `transport`, its query keeps the last `sid`, an
 * empty one starts a session, and a missing `EIO` is revision 3. Missing a handshake would let a new
 * session past the gate; taking Socket.IO's client script (`/socket.io/socket.io.js`) for one would refuse
 * it to an IP at its cap.
 */
function isSocketIoHandshake(url: string): boolean {
  const path = url.split('?')[0]!;
  if (/^\/socket\.io\/1\/?$/.test(path)) return true;
  if (!path.startsWith('/socket.io/') || path.startsWith('/socket.io/1/')) return false;
  const q = query(url);
  const sids = q.getAll('sid');
  return q.has('transport') && !sids[sids.length - 1];
}

/**
 * The gate in front of every transport.
 * @example const gate = new Admission(opts); installDispatcher(server, …); gate.install(server, io.engine);
 */
export class Admission {
  constructor(private readonly opts: AdmissionOptions) {}

  /** Decides on a connection attempt: undefined to let it through, else why not. */
  check(req: IncomingMessage): Refusal | undefined {
    const { counters, logger } = this.opts;
    const refused = this.checkOrigin(req);
    if (refused) return refused;
    const { ip } = this.opts.addresses.of(req);
    const blocked = this.opts.failures.blockedFor(ip);
    if (blocked > 0) {
      counters.blockedRefusals++;
      return { status: 429, text: ErrorText.authBlocked(ip, blocked) };
    }
    if (!this.opts.limiter.allows(ip)) {
      counters.connectionsRefused++;
      logger.info({ ip, max: this.opts.limiter.max }, 'connection refused: per-IP limit');
      return { status: 429, text: ErrorText.tooManyConnections(ip, this.opts.limiter.max) };
    }
    return undefined;
  }

  /**
   * The origin policy alone, for requests that continue a Socket.IO session: a session opened without
   * Origin (a `<script>` JSONP handshake, which any page can make and read) must not go on from a page
   * the policy refuses.
   */
  private checkOrigin(req: IncomingMessage): Refusal | undefined {
    const origin = req.headers.origin;
    if (this.opts.originAllowed(origin)) return undefined;
    this.opts.counters.originsRefused++;
    this.opts.logger.info({ origin }, 'connection refused by the origin policy');
    return { status: 403, text: ErrorText.originNotAllowed(String(origin)) };
  }

  /**
   * Wraps the server's current `request` and `upgrade` listeners (install it after the dispatcher) and
   * counts Engine.IO sessions per IP. Raw WebSocket connections are counted from upgrade to TCP close.
   */
  install(server: Server, engine?: EngineLike): void {
    const savedRequest = server.listeners('request').slice() as Listener[];
    const savedUpgrade = server.listeners('upgrade').slice() as Listener[];
    server.removeAllListeners('request');
    server.removeAllListeners('upgrade');
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      const url = req.url ?? '/';
      const refusal = isSocketIoHandshake(url) ? this.check(req) : url.startsWith('/socket.io/') ? this.checkOrigin(req) : undefined;
      if (refusal) return refuseRequest(res, refusal);
      for (const l of savedRequest) l.call(server, req, res);
    });
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      const url = req.url ?? '/';
      const socketIo = url.startsWith('/socket.io/');
      const refusal = !socketIo || isSocketIoHandshake(url) ? this.check(req) : this.checkOrigin(req);
      if (refusal) return refuseUpgrade(socket, refusal);
      if (!socketIo) this.count(req, socket);
      for (const l of savedUpgrade) l.call(server, req, socket, head);
    });
    engine?.on('connection', (socket) => {
      if (this.count(socket.request, socket)) return;
      socket.close();
    });
  }

  /**
   * Counts a session that has no socket of its own (Socket.IO 0.9 polling) against its IP, until the
   * returned release is called. The handshake was already checked; a race past the cap is not counted.
   */
  countSession(req: IncomingMessage): () => void {
    const { ip } = this.opts.addresses.of(req);
    if (!this.opts.limiter.acquire(ip)) return () => undefined;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.opts.limiter.release(ip);
    };
  }

  /** Counts one connection of the request's IP until `closer` emits close; false when at the cap. */
  private count(req: IncomingMessage, closer: { once(event: 'close', fn: () => void): unknown }): boolean {
    const { ip } = this.opts.addresses.of(req);
    if (!this.opts.limiter.acquire(ip)) {
      this.opts.counters.connectionsRefused++;
      return false;
    }
    closer.once('close', () => this.opts.limiter.release(ip));
    return true;
  }
}

function refuseRequest(res: ServerResponse, refusal: Refusal): void {
  res.writeHead(refusal.status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(refusal.text), Connection: 'close' });
  res.end(refusal.text);
}

function refuseUpgrade(socket: Duplex, refusal: Refusal): void {
  socket.on('error', () => undefined);
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${refusal.status} ${REASONS[refusal.status]}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(refusal.text)}\r\n\r\n${refusal.text}`,
    );
  }
  socket.destroy();
}

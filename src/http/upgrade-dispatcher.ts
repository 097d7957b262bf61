// Owns sharing one HTTP port: every request and upgrade goes to the first transport of the list that
// claims it, after the admission gate (refused with HTTP 403/429), else to the plain HTTP routes.
// Knows HTTP and the transport contract; nothing of any wire format.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Transport } from '../hub/transport';

/** A refused attempt: the HTTP status and the text sent with it. */
export interface Refusal {
  status: 403 | 429;
  text: string;
}

/** The gate in front of every transport (auth's admission). */
export interface Gate {
  admit(req: IncomingMessage, startsSession: boolean): Refusal | undefined;
}

/** How the dispatcher treats connections. */
export interface DispatchOptions {
  /**
   * Close every connection after its response (`Connection: close`): a worker's primary routes each
   * connection by its first request, so a kept-alive connection would carry the next session's request
   * to the wrong worker.
   */
  oneRequestPerConnection?: boolean;
  /** A worker's `Set-Cookie` value, put on every HTTP response (transports put it on their upgrades). */
  affinityCookie?: string;
}

const REASONS: Record<Refusal['status'], string> = { 403: 'Forbidden', 429: 'Too Many Requests' };

/**
 * Installs the transports in front of the plain routes on `server`.
 * @example installDispatcher(httpServer, transports, security.admission, routes);
 */
export function installDispatcher(server: Server, transports: readonly Transport[], gate: Gate, routes: (req: IncomingMessage, res: ServerResponse) => void, options: DispatchOptions = {}): void {
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (options.oneRequestPerConnection) res.shouldKeepAlive = false;
    if (options.affinityCookie !== undefined) res.setHeader('Set-Cookie', options.affinityCookie);
    const transport = transports.find((t) => t.claimsRequest(req));
    if (!transport) return routes(req, res);
    const refusal = gate.admit(req, transport.startsSession(req));
    if (refusal) return refuseRequest(res, refusal);
    transport.handleRequest(req, res);
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const transport = transports.find((t) => t.claimsUpgrade(req));
    if (!transport) {
      socket.on('error', () => undefined);
      socket.destroy();
      return;
    }
    const refusal = gate.admit(req, transport.startsSession(req));
    if (refusal) return refuseUpgrade(socket, refusal);
    transport.handleUpgrade(req, socket, head);
  });
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

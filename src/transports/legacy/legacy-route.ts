// Owns the `/socket.io/1/…` route on the shared port: sends each request or upgrade to the handshake,
// a polling or the websocket transport, and shuts them down. Composition only: no wire format here.
import type { InboundGuard } from '../../auth/inbound-guard';
import type { ClientAddress } from '../../http/client-address';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { CommandHandler } from '../../hub/command-handler';
import type { Hub } from '../../hub/hub';
import type { Route } from '../../http/upgrade-dispatcher';
import { answerHandshake } from './handshake';
import { sendPlain } from './http-replies';
import { InboundPackets } from './inbound-packets';
import { LegacyConnection, LegacyTimings } from './legacy-connection';
import { LegacyFanout } from './legacy-fanout';
import { LEGACY_PATH, parseLegacyUrl, unsupportedTransportText } from './legacy-url';
import { PollingTransport } from './polling-transport';
import { LegacySessionRegistry } from './session-registry';
import { LegacyWebSocketTransport } from './websocket-transport';

/** The route's settings: the protocol timings plus input limits. */
export interface LegacyOptions extends LegacyTimings {
  /** Largest inbound packet, frame or POST body, in bytes. */
  maxMessageBytes: number;
  /** Packets a session may buffer between polls before it is closed as too slow. */
  maxBufferedPackets?: number;
  /** The per-connection rate limit (and size limit) every transport applies. */
  guard?: InboundGuard;
  /** The client address of the handshake request (X-Forwarded-For from trusted proxies only). */
  addressOf?: (req: IncomingMessage) => ClientAddress;
  /** Counts a new session against its IP's connection limit (checked at the handshake); returns the release. */
  countSession?: (req: IncomingMessage) => () => void;
}

/**
 * Socket.IO 0.9 (protocol revision 1) clients, as one route of the shared HTTP server.
 * @example
 * const legacy = new LegacySocketIoRoute(hub, handler, logger, options);
 * hub.addTarget(legacy.fanout);
 * installDispatcher(httpServer, [legacy], fallback);
 */
export class LegacySocketIoRoute implements Route {
  readonly name = 'socket.io-0.9';
  readonly fanout = new LegacyFanout();
  readonly registry = new LegacySessionRegistry();
  private readonly polling: PollingTransport;
  private readonly websocket: LegacyWebSocketTransport;

  constructor(private readonly hub: Hub, handler: CommandHandler, private readonly logger: Logger, private readonly options: LegacyOptions) {
    const inbound = new InboundPackets(handler, logger, options.maxMessageBytes, options.guard);
    this.polling = new PollingTransport(this.registry, inbound, logger, options.maxMessageBytes);
    this.websocket = new LegacyWebSocketTransport(this.registry, inbound, logger, options.maxMessageBytes);
  }

  claims(url: string): boolean {
    return LEGACY_PATH.test(url);
  }

  handleRequest(req: IncomingMessage, res: ServerResponse): void {
    const request = parseLegacyUrl(req.url ?? '/');
    switch (request.kind) {
      case 'handshake':
        return answerHandshake(req, res, request.query, () => this.openSession(req), this.options);
      case 'transport':
        if (request.transport === 'websocket') return sendPlain(req, res, 400, 'the websocket transport needs an HTTP upgrade');
        return this.polling.handle(req, res, request.transport, request.sid, request.query);
      case 'disconnect':
        this.registry.get(request.sid)?.close('client disconnected');
        return sendPlain(req, res, 200, '');
      case 'unsupported':
        return sendPlain(req, res, 400, unsupportedTransportText(request.transport));
      case 'invalid':
        return sendPlain(req, res, 400, request.reason);
    }
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const request = parseLegacyUrl(req.url ?? '/');
    if (request.kind === 'transport' && request.transport === 'websocket') return this.websocket.handleUpgrade(req, socket, head, request.sid);
    const text = request.kind === 'invalid' ? request.reason : unsupportedTransportText(request.kind === 'transport' || request.kind === 'unsupported' ? request.transport : '');
    socket.on('error', () => undefined);
    socket.end(`HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`);
  }

  /** Sessions alive now (handshaken, not yet closed or reaped). */
  get sessionCount(): number {
    return this.registry.size;
  }

  /** Ends every session (their websockets close plainly, so clients reconnect elsewhere) and stops upgrades. */
  async close(): Promise<void> {
    this.registry.closeAll('server shutting down');
    await this.websocket.close();
  }

  private openSession(req: IncomingMessage): string {
    const remote = this.options.addressOf?.(req).ip ?? req.socket.remoteAddress ?? 'unknown';
    const release = this.options.countSession?.(req) ?? (() => undefined);
    const connection = this.registry.create(
      (sid) =>
        new LegacyConnection(sid, remote, {
          hub: this.hub,
          target: this.fanout,
          timings: this.options,
          logger: this.logger,
          maxBufferedPackets: this.options.maxBufferedPackets ?? 1000,
          onClosed: (closed) => {
            release();
            this.registry.remove(closed);
          },
        }),
    );
    this.logger.debug({ sid: connection.sid, remote }, 'socket.io 0.9 handshake');
    return connection.sid;
  }
}

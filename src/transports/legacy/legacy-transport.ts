// Owns Socket.IO 0.9 clients, the `/socket.io/1/…` route on the shared port: sends each request or
// upgrade to the handshake, a polling or the websocket transport, writes events through its fan-out and
// shuts them down. Its dropped sessions do not resume. Composition only: no wire format here.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { FanoutBatch } from '../../hub/fanout';
import type { Transport } from '../../hub/transport';
import type { TransportParts } from '../parts';
import { answerHandshake } from './handshake';
import { sendPlain } from './http-replies';
import { InboundPackets } from './inbound-packets';
import { LegacyConnection, LegacyTimings } from './legacy-connection';
import { LegacyFanout } from './legacy-fanout';
import { LEGACY_PATH, parseLegacyUrl, unsupportedTransportText } from './legacy-url';
import { PollingTransport } from './polling-transport';
import { LegacySessionRegistry } from './session-registry';
import { LegacyWebSocketTransport } from './websocket-transport';

/** Packets a session may buffer between polls before it is closed as too slow. */
const MAX_BUFFERED_PACKETS = 1000;

/**
 * Socket.IO 0.9 (protocol revision 1) clients.
 * @example const transports: Transport[] = [new LegacySocketIoTransport(parts), …];
 */
export class LegacySocketIoTransport implements Transport {
  readonly name = 'socketio-legacy';
  readonly labels = ['socketio-legacy'];
  readonly resumption = 'none';
  readonly registry: LegacySessionRegistry;
  private readonly fanout = new LegacyFanout(this);
  private readonly polling: PollingTransport;
  private readonly websocket: LegacyWebSocketTransport;
  private readonly logger: Logger;
  private readonly timings: LegacyTimings;

  constructor(private readonly parts: TransportParts) {
    const { config, handler, logger, guard } = parts;
    this.logger = logger;
    this.registry = new LegacySessionRegistry(parts.worker?.sidPrefix);
    this.timings = {
      heartbeatIntervalMs: config.legacyHeartbeatIntervalMs,
      heartbeatTimeoutMs: config.legacyHeartbeatTimeoutMs,
      closeTimeoutMs: config.legacyCloseTimeoutMs,
      pollTimeoutMs: config.legacyPollTimeoutMs,
    };
    const inbound = new InboundPackets(handler, logger, config.maxMessageBytes, guard);
    this.polling = new PollingTransport(this.registry, inbound, logger, config.maxMessageBytes);
    this.websocket = new LegacyWebSocketTransport(this.registry, inbound, logger, config.maxMessageBytes);
  }

  claimsRequest(req: IncomingMessage): boolean {
    return LEGACY_PATH.test(req.url ?? '/');
  }

  claimsUpgrade(req: IncomingMessage): boolean {
    return LEGACY_PATH.test(req.url ?? '/');
  }

  /** The handshake, `GET /socket.io/1/`, starts a session; transport requests go on with one. */
  startsSession(req: IncomingMessage): boolean {
    return /^\/socket\.io\/1\/?$/.test((req.url ?? '/').split('?')[0]!);
  }

  deliver(batch: FanoutBatch): void {
    this.fanout.deliver(batch);
  }

  handleRequest(req: IncomingMessage, res: ServerResponse): void {
    const request = parseLegacyUrl(req.url ?? '/');
    switch (request.kind) {
      case 'handshake':
        return answerHandshake(req, res, request.query, () => this.openSession(req), this.timings);
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
    const remote = this.parts.addressOf(req).ip;
    const release = this.parts.sessions.countSession(req);
    const connection = this.registry.create(
      (sid) =>
        new LegacyConnection(sid, remote, {
          hub: this.parts.hub,
          target: this,
          timings: this.timings,
          logger: this.logger,
          maxBufferedPackets: MAX_BUFFERED_PACKETS,
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

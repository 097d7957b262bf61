// Owns xhr-polling and jsonp-polling: a GET is held until packets are due (or answered `8::` when idle),
// a POST carries the client's packets and is answered `1`. Knows sessions only through their sink API.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { encodePayload, WirePacket } from './codec';
import { ErrorText } from '../../protocol/error-texts';
import { readBody, sendJsonp, sendPlain, sendPreflight } from './http-replies';
import type { InboundPackets } from './inbound-packets';
import { LegacyConnection, QueuedPacket, PacketSink, SessionCut, packetText } from './legacy-connection';
import { jsonpIndex } from './legacy-url';
import type { LegacySessionRegistry } from './session-registry';

type PollingKind = 'xhr-polling' | 'jsonp-polling';

/** A held GET: answered once, with every packet due, then used up. */
class PollSink implements PacketSink {
  readonly kind = 'poll' as const;
  answered = false;

  constructor(private readonly answer: (body: string) => void) {}

  write(packets: readonly QueuedPacket[]): boolean {
    if (!this.answered) {
      this.answered = true;
      this.answer(encodePayload(packets.map(packetText)));
    }
    return false;
  }

  end(cut?: SessionCut): void {
    this.write([cut ? WirePacket.disconnect : WirePacket.noop]);
  }
}

/**
 * Serves `/socket.io/1/{xhr-polling|jsonp-polling}/{sid}` requests.
 * @example polling.handle(req, res, 'xhr-polling', sid, query);
 */
export class PollingTransport {
  constructor(
    private readonly registry: LegacySessionRegistry,
    private readonly inbound: InboundPackets,
    private readonly logger: Logger,
    private readonly maxMessageBytes: number,
  ) {}

  handle(req: IncomingMessage, res: ServerResponse, kind: PollingKind, sid: string, query: URLSearchParams): void {
    if (req.method === 'OPTIONS') return sendPreflight(req, res);
    const answer = (body: string) => (kind === 'jsonp-polling' ? sendJsonp(req, res, jsonpIndex(query, 'i') ?? 0, body) : sendPlain(req, res, 200, body));
    const connection = this.registry.get(sid);
    if (req.method === 'GET') {
      if (!connection) return answer(WirePacket.notHandshaken);
      return this.hold(res, connection, answer);
    }
    if (req.method === 'POST') {
      // An unknown sid's data is dropped; the non-200 status closes the client's transport and it re-handshakes.
      if (!connection) return sendPlain(req, res, 404, WirePacket.notHandshaken);
      void this.receive(req, res, kind, connection);
      return;
    }
    sendPlain(req, res, 405, `method ${req.method} not allowed: polling uses GET and POST`);
  }

  private hold(res: ServerResponse, connection: LegacyConnection, answer: (body: string) => void): void {
    const sink = new PollSink(answer);
    res.on('close', () => {
      if (!sink.answered) connection.detach(sink);
    });
    connection.attach(sink);
  }

  private async receive(req: IncomingMessage, res: ServerResponse, kind: PollingKind, connection: LegacyConnection): Promise<void> {
    // The POST is charged to the bucket as it arrives, before its body is read: a refused one is drained unread.
    if (!this.inbound.admitFrame(connection)) {
      req.resume();
      return sendPlain(req, res, 200, '1');
    }
    const body = await readBody(req, this.maxMessageBytes);
    if (body.aborted) return;
    sendPlain(req, res, 200, '1');
    if (connection.isClosed) return;
    if (body.tooLarge) return this.inbound.refuseTooLarge(connection, body.bytes, body.head);
    const text = kind === 'jsonp-polling' ? this.jsonpData(body.text) : body.text;
    if (text === undefined) return connection.protocolError(ErrorText.invalidField('a jsonp-polling POST carries a form field d holding a JSON string'));
    this.logger.trace({ sid: connection.sid, bytes: body.bytes }, 'socket.io 0.9 poll data');
    this.inbound.receive(connection, text, true);
  }

  /** The 0.9 client posts `d=<JSON string of the payload>` (form-encoded) from a hidden iframe form. */
  private jsonpData(form: string): string | undefined {
    const d = new URLSearchParams(form).get('d');
    if (d === null) return undefined;
    try {
      const value: unknown = JSON.parse(d);
      return typeof value === 'string' ? value : undefined;
    } catch {
      return undefined;
    }
  }
}

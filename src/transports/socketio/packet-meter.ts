// Owns charging every inbound Engine.IO packet of one Socket.IO connection to the token bucket as it
// arrives, before Socket.IO decodes it (pings, acks, binary attachments, other namespaces' packets too),
// and handing each event's verdict to the middleware in front of its handlers. Knows Engine.IO packet
// types and Socket.IO's packet-type digit; nothing of commands or replies.
import type { Verdict } from '../../guard/inbound-guard';

/** An inbound Engine.IO packet as the connection's `packet` event gives it. */
interface EnginePacket {
  type: string;
  data?: unknown;
}

/** The Engine.IO connection under a Socket.IO socket (`socket.conn`). */
export interface EngineConnection {
  on(event: 'packet', listener: (packet: EnginePacket) => void): unknown;
}

type Refusal = Extract<Verdict, { ok: false }>;

/** Socket.IO packet types that reach the middleware: EVENT (2) and BINARY_EVENT (5). */
function startsEvent(packet: EnginePacket): boolean {
  return packet.type === 'message' && typeof packet.data === 'string' && (packet.data[0] === '2' || packet.data[0] === '5');
}

/**
 * Meters one connection. Events are handed their verdicts in arrival order (Socket.IO runs the
 * middleware of each event in that order); a refused packet that is no event is answered at once.
 * @example const meter = new PacketMeter(socket.conn, () => guard.charge(socket, where), (v) => refuse(v));
 *          socket.use((packet, next) => (meter.nextEvent()?.ok ?? true) ? next() : drop());
 */
export class PacketMeter {
  private readonly events: Verdict[] = [];

  constructor(conn: EngineConnection, private readonly charge: () => Verdict, private readonly refuse: (verdict: Refusal) => void) {
    conn.on('packet', (packet) => this.onPacket(packet));
  }

  private onPacket(packet: EnginePacket): void {
    const verdict = this.charge();
    if (startsEvent(packet)) {
      this.events.push(verdict);
      return;
    }
    // A binary attachment belongs to the event just queued (its handlers run after the last attachment).
    const last = this.events.length - 1;
    if (packet.type === 'message' && typeof packet.data !== 'string' && last >= 0 && this.events[last]!.ok) {
      this.events[last] = verdict;
      return;
    }
    if (!verdict.ok) this.refuse(verdict);
  }

  /** The verdict of the event now at the middleware; undefined if none was metered (then charge it there). */
  nextEvent(): Verdict | undefined {
    return this.events.shift();
  }
}

// Owns putting Socket.IO event packets on one client's connection: each packet is encoded once for
// every recipient, and written straight to the TCP socket under Engine.IO's websocket when nothing
// is queued ahead of it, else handed to Engine.IO. Knows no rooms, hub or recovery.
import type { Duplex } from 'node:stream';
import type { Socket } from 'socket.io';
import { SharedText } from '../websocket/text-frame';
import type { CorkedWrites } from '../corked-writes';

/**
 * One Socket.IO EVENT packet of the main namespace, sent as the Engine.IO message `42["name",…]`:
 * framed once for every websocket client (a {@link SharedText}); `packet` is the Socket.IO part
 * (`2["name",…]`) that Engine.IO's own write takes.
 * @example const p = new SocketIoPacket('["message",{"action":"event"}]'); p.packet // '2["message",{"action":"event"}]'
 */
export class SocketIoPacket extends SharedText {
  /** `dataJson` is the packet's data array as JSON: the event name, its arguments, the recovery offset. */
  constructor(dataJson: string) {
    super('42' + dataJson);
  }

  /** Without Engine.IO's message type, for clients that go through Engine.IO (polling, upgrades). */
  get packet(): string {
    return this.text.slice(1);
  }
}

/** The parts of an Engine.IO socket this module reads (engine.io 6). */
interface EngineSocket {
  readonly readyState: string;
  readonly upgrading: boolean;
  readonly writeBuffer: readonly unknown[];
  readonly transport: { readonly name: string; readonly socket?: { readonly readyState: number; readonly _socket?: Duplex } };
  write(data: string): void;
}

/**
 * The TCP socket a Socket.IO client's packets may be written to directly: only when it is on the
 * websocket transport (no upgrade under way) and Engine.IO holds nothing unsent, so a direct write
 * lands after everything Engine.IO already wrote and before anything it writes next. ws writes
 * synchronously to that socket (compression is off), so frames never interleave.
 */
function directWire(engine: EngineSocket): Duplex | undefined {
  if (engine.readyState !== 'open' || engine.upgrading || engine.writeBuffer.length > 0) return undefined;
  const transport = engine.transport;
  if (transport.name !== 'websocket' || transport.socket?.readyState !== 1) return undefined;
  return transport.socket._socket;
}

/**
 * Writes packets to one connected Socket.IO client in order; direct writes of one burst of deliveries
 * leave together (`writes`). `joined` is the packets' frames already concatenated (built once for
 * every client that gets the same packets), written in one call.
 * @example writePackets(writes, socket, [named, message], textFrames([named.text, message.text]));
 */
export function writePackets(writes: CorkedWrites, socket: Socket, packets: readonly SocketIoPacket[], joined?: Buffer): void {
  const engine = socket.conn as unknown as EngineSocket;
  const wire = directWire(engine);
  if (wire) {
    if (joined) writes.write(wire, joined);
    else for (const packet of packets) writes.write(wire, packet.frame);
    return;
  }
  // Polling, an upgrade, or packets queued: Engine.IO's own buffer keeps the order.
  for (const packet of packets) engine.write(packet.packet);
}

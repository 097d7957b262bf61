// Owns the memory bound of Socket.IO v4 connection-state recovery: socket.io's own session-aware
// adapter keeps every broadcast packet for the whole recovery window, whatever the event rate; this
// one keeps at most a fixed number of the newest. A client whose missed packets were dropped is not
// recovered (`socket.recovered` is false) and subscribes again, as after any expired session.
// It also keeps packets written around the adapter (the event fan-out's direct writes), the same way.
import { SessionAwareAdapter } from 'socket.io-adapter';
import type { Namespace } from 'socket.io';

/** Keeps one event packet for recovery and returns its offset (appended to `data`, as Socket.IO does). */
export type KeepPacket = (rooms: ReadonlySet<string>, data: unknown[]) => string;

/** The adapter class to hand socket.io, and what it keeps. */
export interface BoundedRecovery {
  adapter: new (nsp: Namespace) => SessionAwareAdapter & { keep: KeepPacket };
  /** Packets kept now, over every namespace. */
  kept(): number;
  /** Packets dropped by the cap since start. */
  evicted(): number;
}

interface StoredPacket {
  id: string;
  opts: { rooms: Set<string>; except: Set<string>; flags: Record<string, never> };
  data: unknown[];
  emittedAt: number;
}
type WithPackets = { packets: StoredPacket[] };

/**
 * The recovery keeper of an adapter, when it keeps packets (the bounded one below); undefined for
 * others (recovery off, the Redis adapter of a cluster).
 * @example const keep = packetKeeper(io.sockets.adapter); const offset = keep?.(new Set([room]), data);
 */
export function packetKeeper(adapter: unknown): KeepPacket | undefined {
  const keep = (adapter as { keep?: unknown }).keep;
  return typeof keep === 'function' ? (keep.bind(adapter) as KeepPacket) : undefined;
}

/**
 * A SessionAwareAdapter with a packet cap (each event is two packets: its name and `message`).
 * @example const bounded = boundedRecoveryAdapter(20000); new Server(http, { connectionStateRecovery: {…}, adapter: bounded.adapter });
 */
export function boundedRecoveryAdapter(maxPackets: number): BoundedRecovery {
  // Trimming in slices of a tenth keeps the splice off the per-broadcast path.
  const slack = Math.max(1, Math.floor(maxPackets / 10));
  const adapters = new Set<WithPackets>();
  let evicted = 0;
  // Offsets of kept packets: unique in this process, and never equal to one Socket.IO makes (no '.' there).
  let sequence = 0;
  const trim = (packets: StoredPacket[]) => {
    if (packets.length > maxPackets + slack) {
      const drop = packets.length - maxPackets;
      packets.splice(0, drop);
      evicted += drop;
    }
  };
  class BoundedRecoveryAdapter extends SessionAwareAdapter {
    constructor(nsp: Namespace) {
      super(nsp as unknown as ConstructorParameters<typeof SessionAwareAdapter>[0]);
      adapters.add(this as unknown as WithPackets);
    }

    override broadcast(...args: Parameters<SessionAwareAdapter['broadcast']>): void {
      super.broadcast(...args);
      trim((this as unknown as WithPackets).packets);
    }

    /** What `broadcast` stores for an event packet to `rooms`, for a packet the caller writes itself. */
    keep(rooms: ReadonlySet<string>, data: unknown[]): string {
      const id = `eh.${(++sequence).toString(36)}`;
      data.push(id);
      const packets = (this as unknown as WithPackets).packets;
      packets.push({ id, opts: { rooms: new Set(rooms), except: new Set(), flags: {} }, data, emittedAt: Date.now() });
      trim(packets);
      return id;
    }
  }
  return {
    adapter: BoundedRecoveryAdapter,
    kept: () => [...adapters].reduce((n, a) => n + a.packets.length, 0),
    evicted: () => evicted,
  };
}

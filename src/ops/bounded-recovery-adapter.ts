// Owns the memory bound of Socket.IO v4 connection-state recovery: socket.io's own session-aware
// adapter keeps every broadcast packet for the whole recovery window, whatever the event rate; this
// one keeps at most a fixed number of the newest. A client whose missed packets were dropped is not
// recovered (`socket.recovered` is false) and subscribes again, as after any expired session.
// It also keeps packets written around the adapter (the event fan-out's direct writes), the same way
// but as their JSON text, one string instead of a payload's object graph for the collector to trace
// and copy; the text is parsed back only when a client recovers.
import { SessionAwareAdapter } from 'socket.io-adapter';
import type { Namespace } from 'socket.io';

/**
 * Keeps one event packet for recovery. `encode(offset)` gives the packet's data array as JSON with the
 * offset as its last element, as Socket.IO appends it; the same text is returned to be sent. `id`, when
 * given, names the packet cluster-wide (an adapter whose offsets must mean something on other nodes uses it).
 */
export type KeepPacket = (rooms: ReadonlySet<string>, encode: (offset: string) => string, id?: () => string) => string;

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
  readonly data: unknown[];
  emittedAt: number;
}
type WithPackets = { packets: StoredPacket[] };

/** A packet kept as text; socket.io's restore reads `data`, parsed then (a recovering client is rare). */
class TextPacket implements StoredPacket {
  constructor(
    readonly id: string,
    readonly opts: StoredPacket['opts'],
    private readonly json: string,
    readonly emittedAt: number,
  ) {}

  get data(): unknown[] {
    return JSON.parse(this.json) as unknown[];
  }
}

/**
 * The recovery keeper of an adapter, when it keeps packets (the bounded one below); undefined for
 * others (recovery off, the Redis adapter of a cluster).
 * @example const keep = packetKeeper(io.sockets.adapter); const json = keep ? keep(new Set([room]), encode) : encode();
 */
export function packetKeeper(adapter: unknown): KeepPacket | undefined {
  const keep = (adapter as { keep?: unknown }).keep;
  return typeof keep === 'function' ? (keep.bind(adapter) as KeepPacket) : undefined;
}

/**
 * Makes the next disconnection of socket `sid` unrecoverable: the client reconnects to a fresh socket
 * (`socket.recovered` false). A no-op on adapters that do not recover sessions.
 * @example refuseRecovery(socket.nsp.adapter, socket.id); socket.conn.close();
 */
export function refuseRecovery(adapter: unknown, sid: string): void {
  const refuse = (adapter as { refuse?: unknown }).refuse;
  if (typeof refuse === 'function') (refuse as (sid: string) => void).call(adapter, sid);
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

    /** Sockets whose next disconnection must not be kept for recovery. */
    private readonly refused = new Set<string>();

    /** Refuses the coming disconnection, and any session kept earlier for it (a restored session stays kept). */
    refuse(sid: string): void {
      this.refused.add(sid);
      const kept = (this as unknown as { sessions: Map<string, { sid: string }> }).sessions;
      for (const [pid, session] of kept) if (session.sid === sid) kept.delete(pid);
    }

    override persistSession(session: Parameters<SessionAwareAdapter['persistSession']>[0]): void {
      if (this.refused.delete(session.sid)) return;
      super.persistSession(session);
    }

    override broadcast(...args: Parameters<SessionAwareAdapter['broadcast']>): void {
      super.broadcast(...args);
      trim((this as unknown as WithPackets).packets);
    }

    /** What `broadcast` stores for an event packet to `rooms`, for a packet the caller writes itself. */
    keep(rooms: ReadonlySet<string>, encode: (offset: string) => string): string {
      const id = `eh.${(++sequence).toString(36)}`;
      const json = encode(id);
      const packets = (this as unknown as WithPackets).packets;
      packets.push(new TextPacket(id, { rooms: new Set(rooms), except: new Set(), flags: {} }, json, Date.now()));
      trim(packets);
      return json;
    }
  }
  return {
    adapter: BoundedRecoveryAdapter,
    kept: () => [...adapters].reduce((n, a) => n + a.packets.length, 0),
    evicted: () => evicted,
  };
}

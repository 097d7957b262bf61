// Owns the memory bound of Socket.IO v4 connection-state recovery: socket.io's own session-aware
// adapter keeps every broadcast packet for the whole recovery window, whatever the event rate; this
// one keeps at most a fixed number of the newest. A client whose missed packets were dropped is not
// recovered (`socket.recovered` is false) and subscribes again, as after any expired session.
import { SessionAwareAdapter } from 'socket.io-adapter';
import type { Namespace } from 'socket.io';

/** The adapter class to hand socket.io, and what it keeps. */
export interface BoundedRecovery {
  adapter: new (nsp: Namespace) => SessionAwareAdapter;
  /** Packets kept now, over every namespace. */
  kept(): number;
  /** Packets dropped by the cap since start. */
  evicted(): number;
}

type WithPackets = { packets: unknown[] };

/**
 * A SessionAwareAdapter with a packet cap (each event is two packets: its name and `message`).
 * @example const bounded = boundedRecoveryAdapter(20000); new Server(http, { connectionStateRecovery: {…}, adapter: bounded.adapter });
 */
export function boundedRecoveryAdapter(maxPackets: number): BoundedRecovery {
  // Trimming in slices of a tenth keeps the splice off the per-broadcast path.
  const slack = Math.max(1, Math.floor(maxPackets / 10));
  const adapters = new Set<WithPackets>();
  let evicted = 0;
  class BoundedRecoveryAdapter extends SessionAwareAdapter {
    constructor(nsp: Namespace) {
      super(nsp as unknown as ConstructorParameters<typeof SessionAwareAdapter>[0]);
      adapters.add(this as unknown as WithPackets);
    }

    override broadcast(...args: Parameters<SessionAwareAdapter['broadcast']>): void {
      super.broadcast(...args);
      const packets = (this as unknown as WithPackets).packets;
      if (packets.length > maxPackets + slack) {
        const drop = packets.length - maxPackets;
        packets.splice(0, drop);
        evicted += drop;
      }
    }
  }
  return {
    adapter: BoundedRecoveryAdapter,
    kept: () => [...adapters].reduce((n, a) => n + a.packets.length, 0),
    evicted: () => evicted,
  };
}

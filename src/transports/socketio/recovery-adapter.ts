// Owns Socket.IO v4 connection-state recovery over the bridge's history: the sessions socket.io asks
// to keep when a client drops, and, when it reconnects with the offset it last saw (a history
// position), the packets it missed, built from the history as the live writer writes them (the named
// event once, then `message` per room). Socket.IO's rooms hold no subscriptions; the hub's rooms do.
import { Adapter } from 'socket.io-adapter';
import type { Namespace } from 'socket.io';
import { positionBefore, type HistoryEvent, type HistoryPosition } from '../../recovery/history';
import type { ReconnectRecovery } from '../../recovery/session-recovery';
import { mayEmitAsNamedEvent } from '../../protocol/socket-event-names';

type PersistedSession = Parameters<Adapter['persistSession']>[0];
type RestoredSession = Awaited<ReturnType<Adapter['restoreSession']>>;

/**
 * The recovery offset of one packet of an event: the event's history position for its named event,
 * and the position with the room's place (`.1`, `.2`, …) for each `message`, so every packet's is its own.
 * @example packetOffset('1733230000000-42', 1) // '1733230000000-42.1'
 */
export function packetOffset(position: HistoryPosition, place: number): string {
  return place === 0 ? position : `${position}.${place}`;
}

/**
 * Where to read after for a client's offset: after the event of a `message` offset (it got that far), or
 * from the event of a named-event offset (its messages are still owed). Undefined for no offset of ours.
 */
function readFrom(offset: string): { after: HistoryPosition; skipNamedOf?: HistoryPosition } {
  const dot = offset.indexOf('.');
  if (dot >= 0) return { after: offset.slice(0, dot) };
  return { after: positionBefore(offset), skipNamedOf: offset };
}

/** The packets (data arrays, offset last) a reconnecting client missed, in the live writer's order. */
export function missedPackets(events: readonly HistoryEvent[], skipNamedOf?: HistoryPosition): unknown[][] {
  const packets: unknown[][] = [];
  for (const e of events) {
    if (mayEmitAsNamedEvent(e.name) && e.position !== skipNamedOf) packets.push(JSON.parse(`[${JSON.stringify(e.name)},${e.payloadJson},${JSON.stringify(e.position)}]`) as unknown[]);
    e.envelopes.forEach((envelope, i) => packets.push(JSON.parse(`["message",${envelope},${JSON.stringify(packetOffset(e.position, i + 1))}]`) as unknown[]));
  }
  return packets;
}

/** An adapter that recovers sessions from the history (what the transport checks before writing offsets). */
export interface HistoryRecoveryAdapter {
  readonly recoversFromHistory: true;
  /** Makes the next disconnection of socket `sid` unrecoverable (the client gets a fresh socket). */
  refuse(sid: string): void;
}

/**
 * Whether a namespace's adapter is the history one (a cluster's Redis adapter replaces it).
 * @example if (recoversFromHistory(io.sockets.adapter)) packet += offset;
 */
export function recoversFromHistory(adapter: unknown): adapter is HistoryRecoveryAdapter {
  return (adapter as Partial<HistoryRecoveryAdapter> | undefined)?.recoversFromHistory === true;
}

// A mixin's base: socket.io's adapter or one derived from it (the machine's cluster adapter).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AdapterClass = new (...args: any[]) => Adapter;

/**
 * The adapter class to hand socket.io (`adapter` option, with `connectionStateRecovery`).
 * @example new Server({ connectionStateRecovery: { maxDisconnectionDuration }, adapter: historyRecoveryAdapter(recovery) });
 */
export function historyRecoveryAdapter(recovery: ReconnectRecovery): new (nsp: Namespace) => Adapter & HistoryRecoveryAdapter {
  return withHistoryRecovery(Adapter, recovery);
}

/**
 * `Base` with connection-state recovery from this process's history: sessions kept at their client's
 * drop for the window, and restored with the packets missed since the client's offset.
 * @example const MachineAdapter = withHistoryRecovery(NodeClusterAdapter, recovery); new MachineAdapter(nsp, {});
 */
export function withHistoryRecovery<B extends AdapterClass>(Base: B, recovery: ReconnectRecovery): B & (new (...args: ConstructorParameters<B>) => Adapter & HistoryRecoveryAdapter) {
  return class extends Base implements HistoryRecoveryAdapter {
    readonly recoversFromHistory = true as const;
    private readonly sessions = new Map<string, PersistedSession & { disconnectedAt: number }>();
    /** Sockets whose next disconnection must not be kept for recovery. */
    private readonly refused = new Set<string>();
    private readonly sweeper: NodeJS.Timeout;

    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    constructor(...args: any[]) {
      super(...args);
      this.sweeper = setInterval(() => {
        const threshold = Date.now() - recovery.windowMs;
        for (const [pid, s] of this.sessions) if (s.disconnectedAt < threshold) this.sessions.delete(pid);
      }, 60_000);
      this.sweeper.unref();
    }

    refuse(sid: string): void {
      this.refused.add(sid);
      for (const [pid, s] of this.sessions) if (s.sid === sid) this.sessions.delete(pid);
    }

    override persistSession(session: PersistedSession): void {
      if (this.refused.delete(session.sid)) return;
      this.sessions.set(session.pid, { ...session, disconnectedAt: Date.now() });
    }

    override async restoreSession(pid: string, offset: string): Promise<RestoredSession> {
      const session = this.sessions.get(pid);
      if (!session || !recovery.reconnects) return null as unknown as RestoredSession;
      if (session.disconnectedAt + recovery.windowMs < Date.now()) {
        this.sessions.delete(pid);
        return null as unknown as RestoredSession;
      }
      const from = readFrom(offset);
      const read = await recovery.missedAfter(session.sid, from.after);
      // Events it missed are gone (over EH_RECOVERY_MAX_EVENTS): not recovered, it subscribes again.
      if (!read.complete) return null as unknown as RestoredSession;
      const { disconnectedAt: _at, ...kept } = session;
      return { ...kept, missedPackets: missedPackets(read.events, from.skipNamedOf) };
    }

    private replies = 0;

    /**
     * What socket.io sends through the adapter (replies, error events) gets an offset too, as socket.io's
     * own recovery adapter gives it: the history's head then with a place of its own. A client whose last
     * packet was one of these resumes after that head: everything before it had reached it.
     */
    override broadcast(packet: Parameters<Adapter['broadcast']>[0], opts: Parameters<Adapter['broadcast']>[1]): void {
      const eventWithoutAck = packet.type === 2 && packet.id === undefined && opts.flags?.volatile === undefined;
      if (eventWithoutAck && recovery.reconnects) (packet.data as unknown[]).push(`${recovery.head()}.r${++this.replies}`);
      // Packets for sockets of this process only (under recovery socket.io sends every reply this way) stay
      // here: a cluster base would first carry them to every sibling and then add an offset of its own,
      // which the client would keep instead of this one. A broadcast to rooms does go to the siblings, and
      // carries that base's offset last: a client whose last packet was one is not recovered, it subscribes again.
      const here = opts.rooms.size > 0 && [...opts.rooms].every((room) => (this.nsp as Namespace).sockets.has(room));
      super.broadcast(packet, here ? { ...opts, flags: { ...opts.flags, local: true } } : opts);
    }

    override close(): Promise<void> | void {
      clearInterval(this.sweeper);
      return super.close();
    }
  };
}

// Owns Socket.IO v4 connection-state recovery in a cluster: the Redis adapter (rooms and broadcasts
// across nodes) plus offsets every node understands (a room hit's identity) and a restore that asks the
// shared recovery, so a client reconnecting to any node gets its socket id, rooms and missed packets.
// Persisting at close is left to the hub's parking (a crashed node persists nothing anyway).
import { createAdapter, RedisAdapter } from '@socket.io/redis-adapter';
import type { Namespace } from 'socket.io';
import type { KeepPacket } from '../ops/bounded-recovery-adapter';
import type { RedisClient } from './redis-link';

/** What socket.io's `restoreSession` resolves with. */
export interface RestoredSocket {
  sid: string;
  pid: string;
  rooms: string[];
  data: unknown;
  /** Each packet's data array: the event name, its arguments, its offset last. */
  missedPackets: unknown[][];
}

export type RestoreSocket = (pid: string, offset: string) => Promise<RestoredSocket | null>;

/**
 * The adapter factory to hand `io.adapter()`.
 * @example io.adapter(recoveringRedisAdapter(pub, sub, { key: 'eh:socket.io' }, (pid, offset) => shared.restoreSocket(pid, offset)));
 */
export function recoveringRedisAdapter(
  pub: RedisClient,
  sub: RedisClient,
  opts: Parameters<typeof createAdapter>[2],
  restore: RestoreSocket,
  refuse: (sid: string) => void,
): (nsp: Namespace) => RedisAdapter {
  let sequence = 0;
  class RecoveringRedisAdapter extends RedisAdapter {
    /** The offset the transport passes (a room hit's identity), or a local one for packets without. */
    keep: KeepPacket = (_rooms, encode, id) => encode(id?.() ?? `eh.l${(++sequence).toString(36)}`);

    /** Socket `sid`'s coming close must not be recoverable anywhere (see refuseRecovery). */
    refuse(sid: string): void {
      refuse(sid);
    }

    override persistSession(): void {
      // The directory already has the session (written while it lived) and the hub parks it.
    }

    // socket.io reads null as "not recovered", whatever the adapter's typings say.
    override restoreSession(pid: string, offset: string): ReturnType<RedisAdapter['restoreSession']> {
      return restore(pid, offset) as ReturnType<RedisAdapter['restoreSession']>;
    }
  }
  // socket.io calls it with `new`: a plain function returning the adapter (an arrow cannot be).
  return function adapter(nsp: Namespace) {
    return new RecoveringRedisAdapter(nsp, pub, sub, opts);
  };
}

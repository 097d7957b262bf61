// Owns Socket.IO v4 connection-state recovery in a cluster: the Redis adapter (rooms and broadcasts
// across nodes) with a restore that asks cross-node recovery, so a client reconnecting to any node gets
// its socket id, rooms and missed packets. It says it recovers from the history (so the transport writes
// offsets) and can refuse a socket's recovery everywhere. Persisting at close is left to the hub's
// parking and the session directory (a crashed node persists nothing anyway).
import { createAdapter, RedisAdapter } from '@socket.io/redis-adapter';
import type { Namespace } from 'socket.io';
import type { HistoryRecoveryAdapter } from '../transports/socketio/recovery-adapter';
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
 * @example io.adapter(recoveringRedisAdapter(pub, sub, { key: 'eh:socket.io' }, (pid, offset) => restore(pid, offset), (sid) => refuse(sid)));
 */
export function recoveringRedisAdapter(
  pub: RedisClient,
  sub: RedisClient,
  opts: Parameters<typeof createAdapter>[2],
  restore: RestoreSocket,
  refuse: (sid: string) => void,
): ReturnType<typeof createAdapter> {
  class RecoveringRedisAdapter extends RedisAdapter implements HistoryRecoveryAdapter {
    readonly recoversFromHistory = true as const;

    /** Socket `sid`'s coming close must not be recoverable on any node. */
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
  return function adapter(nsp: Namespace): RedisAdapter {
    return new RecoveringRedisAdapter(nsp, pub, sub, opts);
  };
}

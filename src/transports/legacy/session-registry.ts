// Owns the table of live 0.9 sessions by sid: issuing unguessable sids at handshake, lookup by
// transport requests, removal when a session closes. Knows nothing of wire formats or timers.
import { randomBytes } from 'node:crypto';
import type { LegacyConnection } from './legacy-connection';

/**
 * Live sessions by sid.
 * @example const c = registry.create((sid) => new LegacyConnection(sid, remote, deps)); registry.get(c.sid);
 */
export class LegacySessionRegistry {
  private readonly bySid = new Map<string, LegacyConnection>();

  /** `sidPrefix`: put before every sid (a worker's `wN_`, by which the machine's primary routes the session's requests). */
  constructor(private readonly sidPrefix = '') {}

  /** Sessions alive now (handshaken and not yet closed). */
  get size(): number {
    return this.bySid.size;
  }

  /** Creates a session under a fresh sid: 20 random bytes, base64url (no `:` or `/`, as the handshake needs). */
  create(make: (sid: string) => LegacyConnection): LegacyConnection {
    let sid: string;
    do sid = this.sidPrefix + randomBytes(20).toString('base64url');
    while (this.bySid.has(sid));
    const connection = make(sid);
    this.bySid.set(sid, connection);
    return connection;
  }

  get(sid: string): LegacyConnection | undefined {
    return this.bySid.get(sid);
  }

  /** Forgets a closed session (called by the session itself). */
  remove(connection: LegacyConnection): void {
    if (this.bySid.get(connection.sid) === connection) this.bySid.delete(connection.sid);
  }

  /** Closes every session (shutdown). */
  closeAll(reason: string): void {
    for (const connection of [...this.bySid.values()]) connection.close(reason);
  }
}

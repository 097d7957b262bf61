// Owns the wiring of cross-node recovery into one node: the shared recovery built from the cluster's
// parts, the history writer on the fan-out, records kept from subscribe replies and the parking lot's
// closes and ends, claims from other nodes, the heartbeat refresh, the `resume` of unknown tokens and
// the Socket.IO v4 restore (its recorded tokens re-validated before anything is given). Without Redis
// or with recovery off it does nothing: recovery stays in-process.
import type { Logger } from 'pino';
import type { Server } from 'socket.io';
import type { AccessControl } from '../auth/access-control';
import type { Identity } from '../auth/authenticator';
import type { BindingCatalogue } from '../bindings/catalogue';
import type { EventFanout } from '../hub/event-fanout';
import type { Hub } from '../hub/hub';
import type { Session } from '../hub/session';
import type { Reply } from '../protocol/replies';
import type { ParkingLot } from '../recovery/parking';
import type { SessionRecovery } from '../recovery/session-recovery';
import type { Cluster, SocketRestore } from './cluster';
import type { RestoredSocket } from './recovering-redis-adapter';
import { crossNodeResume } from './cross-node-resume';
import type { SessionRecord } from './session-directory';
import { SharedRecovery } from './shared-recovery';

export interface RecoveryWiring {
  cluster: Cluster;
  hub: Hub;
  catalogue: BindingCatalogue;
  recovery: SessionRecovery;
  parking: ParkingLot;
  access: AccessControl;
  io: Server;
  fanout: EventFanout;
  logger: Logger;
}

/** What the composition root calls back into. */
export interface SharedRecoveryHooks {
  /** For the cluster's Redis adapter: Socket.IO v4 restores on any node. */
  socketRestore: SocketRestore;
  /** SessionRecovery's `remote`: the resume of a token this node does not park. */
  remote: ReturnType<typeof crossNodeResume>;
  /** A reply observer: records what a connection holds after each subscribe / unsubscribe. */
  observeReply(session: Session, reply: Reply): void;
  /** A connection took a session over here (resume, recovered reconnection): record it under its new key. */
  resumed(session: Session): void;
}

type Grant = { accountId: string; token: string; identity: Identity };

/** The key a session's record is kept under: its resume token, or Socket.IO's private id. */
function keyOf(session: Session, parking: ParkingLot): string | undefined {
  const resumption = session.transport.target.resumption;
  if (resumption === 'by-command') return parking.tokenOf(session);
  if (resumption === 'on-reconnect') return session.transport.recoverySecret;
  return undefined;
}

/**
 * Turns on recovery across nodes when the cluster has a shared history; the hooks, or undefined.
 * @example const hooks = wireSharedRecovery({ cluster, hub, catalogue, recovery, parking, access, io, fanout, logger });
 */
export function wireSharedRecovery(w: RecoveryWiring): SharedRecoveryHooks | undefined {
  const parts = w.cluster.shared;
  const link = w.cluster.link;
  if (!parts || !link) return undefined;
  const shared = new SharedRecovery({ hub: w.hub, catalogue: w.catalogue, link, logger: w.logger, ...parts });
  w.fanout.observe(parts.writer);
  const claimed = new WeakSet<Session>();
  shared.onClaimed((session) => {
    const key = session.transport.target.resumption === 'by-command' ? w.parking.tokenOf(session) : session.transport.recoveryKey;
    if (key === undefined) return;
    claimed.add(session);
    w.parking.end(key, 'claimed');
  });
  w.parking.observe({
    closed(session, parked, enabled) {
      if (parked) return shared.parked(session);
      // Draining: no one keeps its rooms here, but another node may still resume it (the close was the
      // server's, whatever handshake the client answered it with).
      const resumable = session.held.size > 0 && session.transport.target.resumption !== 'none';
      if (!enabled && resumable && w.recovery.windowMs > 0) return shared.parked(session, false);
      shared.forget(session);
    },
    ended(session, how) {
      if (how === 'leaving') shared.leaving(session);
      else shared.forget(session, how === 'claimed' || claimed.has(session));
    },
  });
  w.cluster.onHeartbeat(() => shared.refresh());
  w.access.onGrant((connection, accountId, token) => shared.noteGrant(connection as Session, accountId, token));
  const remote = crossNodeResume({ shared, access: w.access, tokenOf: (s) => w.parking.tokenOf(s), logger: w.logger });
  const refuse = (sid: string) => {
    for (const s of w.hub.sessions) if (s.transport.recoveryKey === sid) shared.forget(s);
  };

  // Tokens a restored Socket.IO session holds, granted to its new connection once it is adopted.
  const pending = new Map<string, Grant[]>();
  const authorizeRecord = async (record: SessionRecord): Promise<string | undefined> => {
    if (record.resumption !== 'on-reconnect' || !record.sid) return 'not a Socket.IO session';
    const grants: Grant[] = [];
    for (const accountId of new Set(record.subscriptions.map((s) => s.accountId))) {
      const token = record.tokens[accountId];
      if (!token) return 'no token recorded';
      const auth = await w.access.authenticator.authenticate(token).catch(() => ({ ok: false as const, error: 'authenticator unavailable' }));
      if (!auth.ok) return auth.error;
      const denied = await w.access.authorize(auth.identity, accountId, token);
      if (denied) return denied;
      grants.push({ accountId, token, identity: auth.identity });
    }
    pending.set(record.sid, grants);
    setTimeout(() => pending.delete(record.sid!), w.recovery.windowMs).unref();
    return undefined;
  };
  const restore = async (pid: string, offset: string): Promise<RestoredSocket | null> => {
    if (!w.recovery.reconnects) return null;
    const restored = await shared
      .restore(pid, {
        offset,
        authorize: authorizeRecord,
        local: (record) => {
          const here = record.sid ? w.parking.get(record.sid) : undefined;
          return here?.session.transport.target.resumption === 'on-reconnect' ? here.session : undefined;
        },
      })
      .catch((err: Error) => {
        w.logger.warn({ err: err.message }, 'socket.io session not restored from the shared history');
        return undefined;
      });
    if (!restored || 'error' in restored) return null;
    const { holder, record, entries } = restored;
    const sid = record.sid!;
    // The connection adopts the subscriptions from the parking lot under its socket id (SessionRecovery.reconnected).
    if (w.parking.get(sid)?.session === holder) shared.forget(holder, true);
    else w.parking.park(holder, () => w.hub.unsubscribeAll(holder));
    const missedPackets: unknown[][] = [];
    const named = new Set<string>();
    // Replayed packets carry this node's head: a client that drops again right after resumes from it.
    const replayed = `${w.recovery.head()}.r0`;
    for (const e of entries) {
      const offset = replayed;
      if (e.name && !named.has(e.event)) {
        named.add(e.event);
        missedPackets.push([e.name, JSON.parse(e.payload) as unknown, offset]);
      }
      missedPackets.push(['message', JSON.parse(e.envelope) as unknown, offset]);
    }
    return { sid, pid, rooms: [...holder.held.keys()], data: {}, missedPackets };
  };
  w.io.on('connection', (socket) => {
    const grants = pending.get(socket.id);
    if (!grants) return;
    pending.delete(socket.id);
    const session = [...w.hub.sessions].find((s) => s.transport.recoveryKey === socket.id);
    if (session) for (const g of grants) w.access.granted(session, g.accountId, g.token, g.identity);
  });

  return {
    socketRestore: { restore, refuse },
    remote,
    observeReply(session, reply) {
      if (reply.status !== 'success' || (!Array.isArray(reply.data['subscribed']) && reply.data['unsubscribed'] === undefined)) return;
      const key = keyOf(session, w.parking);
      if (key !== undefined) shared.remember(session, key);
    },
    resumed(session) {
      const key = keyOf(session, w.parking);
      if (key !== undefined) shared.remember(session, key);
    },
  };
}

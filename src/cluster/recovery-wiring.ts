// Owns the wiring of cross-node recovery into one node: the shared recovery built from the cluster's
// parts, handed to the node's session recovery, the claim announcements, the heartbeat refresh, the
// token grants records keep, and the Socket.IO v4 restore (its tokens re-validated before anything
// is given). Without Redis or with recovery off it does nothing: recovery stays in-process.
import type { Logger } from 'pino';
import type { Server } from 'socket.io';
import type { AccessControl } from '../auth/access-control';
import type { Identity } from '../auth/authenticator';
import type { BindingCatalogue } from '../bindings/catalogue';
import type { Hub } from '../hub/hub';
import type { Session } from '../hub/session';
import type { SessionRecovery } from '../ops/recovery';
import type { Cluster } from './cluster';
import { SharedRecovery } from './shared-recovery';

export interface RecoveryWiring {
  cluster: Cluster;
  hub: Hub;
  catalogue: BindingCatalogue;
  recovery: SessionRecovery;
  access: AccessControl;
  io: Server;
  logger: Logger;
}

type Grant = { accountId: string; token: string; identity: Identity };

/**
 * Turns on recovery across nodes when the cluster has a shared history; returns it (undefined otherwise).
 * @example wireSharedRecovery({ cluster, hub, catalogue, recovery: ops.recovery, access: handler.access, io, logger });
 */
export function wireSharedRecovery(w: RecoveryWiring): SharedRecovery | undefined {
  const parts = w.cluster.shared;
  const link = w.cluster.link;
  if (!parts || !link) return undefined;
  const shared = new SharedRecovery({ hub: w.hub, catalogue: w.catalogue, link, logger: w.logger, ...parts });
  w.recovery.shared = shared;
  shared.onClaimed((key) => w.recovery.release(key));
  w.cluster.onHeartbeat(() => shared.refresh());
  w.access.onGrant((connection, accountId, token) => shared.noteGrant(connection as Session, accountId, token));

  // Tokens a restored Socket.IO session holds, granted to its new connection once it is adopted.
  const pending = new Map<string, Grant[]>();
  w.cluster.refuseSocket = (sid) => w.recovery.refuse(sid);
  w.cluster.restoreSocket = (pid, offset) =>
    w.recovery.restoreSocketIo(pid, offset, async (record) => {
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
      pending.set(record.sid!, grants);
      const timer = setTimeout(() => pending.delete(record.sid!), parts.windowMs);
      timer.unref();
      return undefined;
    });
  w.io.on('connection', (socket) => {
    const grants = pending.get(socket.id);
    if (!grants) return;
    pending.delete(socket.id);
    const session = [...w.hub.sessions].find((s) => (s.transport as unknown as { socket?: unknown }).socket === socket);
    if (session) for (const g of grants) w.access.granted(session, g.accountId, g.token, g.identity);
  });
  return shared;
}

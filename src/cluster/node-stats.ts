// Owns the numbers a node reports about itself (connections, subscriptions, per account) and how the
// cluster's totals are summed from them. Pure: no Redis, no sockets; the hub is only read.
import type { Session } from '../hub/session';

/** Counts for one account on one node, or across the cluster. */
export interface AccountCounts {
  /** Connections holding at least one subscription for the account. */
  connections: number;
  subscriptions: number;
}

/** A node's health as operators see it: its broker and Redis connections and whether it drains. */
export interface NodeVitals {
  /** `ready`: consuming with every wanted binding live (what /readyz reports as `rabbitmq`). */
  broker: { ready: boolean; bindings: number; reconnects: number };
  redis: { status: 'off' | 'up' | 'down'; losses: number };
  draining: boolean;
}

/** What one node publishes about itself on every heartbeat. */
export interface NodeSnapshot {
  node: string;
  url: string;
  pid: number;
  startedAt: string;
  updatedAt: string;
  connections: number;
  /** Connections by client generation (`websocket`, `socketio`, `socketio-legacy`). */
  byGeneration: Record<string, number>;
  subscriptions: number;
  rooms: number;
  accounts: Record<string, AccountCounts>;
  /** Broker, Redis and drain state (absent from nodes that do not report it). */
  vitals?: NodeVitals;
}

/** Cluster totals plus each live node's snapshot. */
export interface ClusterStats {
  /** `cluster` when the numbers come from Redis, `local` when this node speaks only for itself. */
  scope: 'cluster' | 'local';
  nodes: number;
  connections: number;
  subscriptions: number;
  byGeneration: Record<string, number>;
  accounts: Record<string, AccountCounts>;
  perNode: NodeSnapshot[];
}

export interface NodeIdentity {
  node: string;
  url: string;
  startedAt: string;
}

/**
 * This node's counts, read from its live sessions.
 * @example nodeSnapshot({ node: 'n1', url, startedAt }, hub.sessions, hub.index.roomCount)
 */
export function nodeSnapshot(id: NodeIdentity, sessions: Iterable<Session>, rooms: number, now = new Date()): NodeSnapshot {
  const byGeneration: Record<string, number> = {};
  const accounts: Record<string, AccountCounts> = {};
  let connections = 0;
  let subscriptions = 0;
  for (const session of sessions) {
    if (session.closed) continue;
    connections++;
    const generation = session.transport.generation;
    byGeneration[generation] = (byGeneration[generation] ?? 0) + 1;
    const seen = new Set<string>();
    for (const held of session.held.values()) {
      subscriptions++;
      const counts = (accounts[held.accountId] ??= { connections: 0, subscriptions: 0 });
      counts.subscriptions++;
      if (!seen.has(held.accountId)) {
        seen.add(held.accountId);
        counts.connections++;
      }
    }
  }
  return { ...id, pid: process.pid, updatedAt: now.toISOString(), connections, byGeneration, subscriptions, rooms, accounts };
}

/**
 * Sums node snapshots into cluster totals; nodes are listed by name.
 * @example clusterStats([snapA, snapB], 'cluster').connections // snapA.connections + snapB.connections
 */
export function clusterStats(snapshots: readonly NodeSnapshot[], scope: ClusterStats['scope']): ClusterStats {
  const byGeneration: Record<string, number> = {};
  const accounts: Record<string, AccountCounts> = {};
  let connections = 0;
  let subscriptions = 0;
  for (const snap of snapshots) {
    connections += snap.connections;
    subscriptions += snap.subscriptions;
    for (const [generation, n] of Object.entries(snap.byGeneration)) byGeneration[generation] = (byGeneration[generation] ?? 0) + n;
    for (const [account, counts] of Object.entries(snap.accounts)) {
      const sum = (accounts[account] ??= { connections: 0, subscriptions: 0 });
      sum.connections += counts.connections;
      sum.subscriptions += counts.subscriptions;
    }
  }
  const perNode = [...snapshots].sort((a, b) => a.node.localeCompare(b.node));
  return { scope, nodes: snapshots.length, connections, subscriptions, byGeneration, accounts, perNode };
}

/**
 * Narrows cluster stats to one account (`?account_id=`): totals and per-node rows for it alone.
 * @example forAccount(stats, '4b8c…').accounts // { '4b8c…': { connections: 2, subscriptions: 3 } }
 */
export function forAccount(stats: ClusterStats, accountId: string): ClusterStats {
  const pick = (accounts: Record<string, AccountCounts>) => (accounts[accountId] ? { [accountId]: accounts[accountId] } : {});
  return { ...stats, accounts: pick(stats.accounts), perNode: stats.perNode.map((n) => ({ ...n, accounts: pick(n.accounts) })) };
}

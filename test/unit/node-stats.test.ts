// Node snapshots count live sessions by generation and account; cluster totals are their sums.
import { clusterStats, forAccount, nodeSnapshot } from '../../src/cluster/node-stats';
import type { Session } from '../../src/hub/session';

function session(generation: string, held: Array<[string, string]>, closed = false): Session {
  const map = new Map(held.map(([accountId, binding]) => [`${accountId}/${binding}`, { room: `${accountId}/${binding}`, accountId, binding, since: 0 }]));
  return { closed, held: map, transport: { generation } } as unknown as Session;
}

const id = { node: 'n1', url: 'http://n1', startedAt: '2026-01-01T00:00:00.000Z' };

describe('nodeSnapshot', () => {
  it('counts connections by generation and, per account, connections holding it and subscriptions', () => {
    const snap = nodeSnapshot(id, [
      session('websocket', [['a', 'call.*.*'], ['a', 'fax.status.*'], ['b', 'call.*.*']]),
      session('socketio', [['a', 'call.*.*']]),
      session('socketio', []),
      session('websocket', [['a', 'x']], true),
    ], 3);
    expect(snap).toMatchObject({
      node: 'n1', connections: 3, subscriptions: 4, rooms: 3,
      byGeneration: { websocket: 1, socketio: 2 },
      accounts: { a: { connections: 2, subscriptions: 3 }, b: { connections: 1, subscriptions: 1 } },
    });
  });
});

describe('clusterStats', () => {
  it('sums every node and lists them by name', () => {
    const n2 = nodeSnapshot({ ...id, node: 'n0' }, [session('socketio-legacy', [['a', 'call.*.*']])], 1);
    const n1 = nodeSnapshot(id, [session('websocket', [['a', 'call.*.*'], ['c', 'call.*.*']])], 2);
    const stats = clusterStats([n1, n2], 'cluster');
    expect(stats).toMatchObject({
      scope: 'cluster', nodes: 2, connections: 2, subscriptions: 3,
      byGeneration: { websocket: 1, 'socketio-legacy': 1 },
      accounts: { a: { connections: 2, subscriptions: 2 }, c: { connections: 1, subscriptions: 1 } },
    });
    expect(stats.perNode.map((n) => n.node)).toEqual(['n0', 'n1']);
    const onlyA = forAccount(stats, 'a');
    expect(onlyA.accounts).toEqual({ a: { connections: 2, subscriptions: 2 } });
    expect(onlyA.perNode.map((n) => Object.keys(n.accounts))).toEqual([['a'], ['a']]);
  });
});

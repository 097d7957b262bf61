// Owns the cluster's list of live nodes in Redis: each node's snapshot under a key that expires unless
// its heartbeat renews it, so a dead node's counts vanish by themselves. Knows nothing about sockets.
import type { RedisClient } from './redis-link';
import type { NodeSnapshot } from './node-stats';

/**
 * Reads and writes `{prefix}:node:{id}` (a snapshot with a TTL) and the index set `{prefix}:nodes`.
 * Expiry is Redis's own clock, so nodes with skewed clocks still agree on who is alive.
 * @example
 * const registry = new NodeRegistry(redis.commands, 'eh', 15000);
 * await registry.write(snapshot); const live = await registry.readAll();
 */
export class NodeRegistry {
  constructor(private readonly client: RedisClient, private readonly prefix: string, private readonly ttlMs: number) {}

  private get indexKey(): string {
    return `${this.prefix}:nodes`;
  }

  private nodeKey(node: string): string {
    return `${this.prefix}:node:${node}`;
  }

  /** Stores a node's snapshot for `ttlMs`, and keeps the index alive a little longer. */
  async write(snapshot: NodeSnapshot): Promise<void> {
    await this.client
      .multi()
      .pSetEx(this.nodeKey(snapshot.node), this.ttlMs, JSON.stringify(snapshot))
      .sAdd(this.indexKey, snapshot.node)
      .pExpire(this.indexKey, this.ttlMs * 4)
      .exec();
  }

  /** Every live node's snapshot; index entries whose snapshot expired are pruned on the way. */
  async readAll(): Promise<NodeSnapshot[]> {
    const nodes = await this.client.sMembers(this.indexKey);
    if (nodes.length === 0) return [];
    const values = await this.client.mGet(nodes.map((n) => this.nodeKey(n)));
    const live: NodeSnapshot[] = [];
    const gone: string[] = [];
    values.forEach((value, i) => {
      if (typeof value !== 'string') {
        gone.push(nodes[i]!);
        return;
      }
      try {
        live.push(JSON.parse(value) as NodeSnapshot);
      } catch {
        gone.push(nodes[i]!);
      }
    });
    if (gone.length > 0) await this.client.sRem(this.indexKey, gone);
    return live;
  }

  /** Removes a node at once (clean shutdown), instead of waiting for its TTL. */
  async remove(node: string): Promise<void> {
    await this.client.multi().del(this.nodeKey(node)).sRem(this.indexKey, node).exec();
  }
}

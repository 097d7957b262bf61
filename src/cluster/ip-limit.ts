// Owns the per-IP connection cap across nodes (`EH_IP_LIMIT_SCOPE=cluster`): local counts plus what the
// other nodes announce over Redis pub/sub. Knows IPs and counts only, never sockets or requests.
import { ConnectionLimiter } from '../guard/connection-limiter';
import { limitKeyOf } from '../guard/address-group';
import type { PeerLink } from './peer-link';

/** One announcement: a node's count for one IP, or all of its counts (heartbeat). */
interface Announcement {
  n: string;
  ip?: string;
  c?: number;
  all?: Record<string, number>;
}

export interface ClusterLimitLink {
  link: PeerLink;
  channel: string;
  node: string;
  /** Counts from a node not heard of for this long are forgotten (it died, or Redis is away). */
  staleMs: number;
}

/**
 * A {@link ConnectionLimiter} whose cap counts every node's connections from the IP. The check stays
 * synchronous: other nodes' counts arrive by pub/sub within milliseconds, so simultaneous connections
 * on different nodes can overshoot the cap by at most one per node. Without Redis: this node's count.
 * @example
 * const limiter = new ClusterConnectionLimiter(10); createSecurity(config, logger, { limiter });
 * limiter.connect({ link, channel: 'eh:cluster:ip', node, staleMs: 15000 }); // then publishSnapshot() on every heartbeat
 */
export class ClusterConnectionLimiter extends ConnectionLimiter {
  private readonly remote = new Map<string, { seen: number; counts: Map<string, number> }>();
  private readonly localIps = new Set<string>();
  private wiring?: ClusterLimitLink;

  /** Starts announcing this node's counts and listening to the others'. */
  connect(wiring: ClusterLimitLink): void {
    this.wiring = wiring;
    wiring.link.subscribe(wiring.channel, (message) => this.hear(message));
    wiring.link.onChange((up) => {
      if (up) this.publishSnapshot();
      else this.remote.clear();
    });
  }

  // Counts travel between nodes by limit key (the /64 for IPv6), the key the local counts use.
  override allows(ip: string): boolean {
    return this.max <= 0 || this.count(ip) + this.remoteCount(ip) < this.max;
  }

  override acquire(ip: string): boolean {
    if (!super.acquire(ip)) return false;
    const key = limitKeyOf(ip);
    this.localIps.add(key);
    this.announce({ ip: key, c: this.count(key) });
    return true;
  }

  override release(ip: string): void {
    super.release(ip);
    const key = limitKeyOf(ip);
    const c = this.count(key);
    if (c === 0) this.localIps.delete(key);
    this.announce({ ip: key, c });
  }

  /** Connections the other live nodes hold from the IP (its /64 for IPv6). */
  remoteCount(ip: string): number {
    const key = limitKeyOf(ip);
    const fresh = Date.now() - (this.wiring?.staleMs ?? 0);
    let n = 0;
    for (const [node, entry] of this.remote) {
      if (entry.seen < fresh) this.remote.delete(node);
      else n += entry.counts.get(key) ?? 0;
    }
    return n;
  }

  /** Announces every count of this node (on each heartbeat), which also says the node is alive. */
  publishSnapshot(): void {
    const all: Record<string, number> = {};
    for (const ip of this.localIps) all[ip] = this.count(ip);
    this.announce({ all });
  }

  private announce(body: Omit<Announcement, 'n'>): void {
    if (!this.wiring || this.max <= 0) return;
    void this.wiring.link.publish(this.wiring.channel, JSON.stringify({ n: this.wiring.node, ...body }));
  }

  private hear(message: string): void {
    let msg: Announcement;
    try {
      msg = JSON.parse(message) as Announcement;
    } catch {
      return;
    }
    if (typeof msg.n !== 'string' || msg.n === this.wiring?.node) return;
    let entry = this.remote.get(msg.n);
    if (!entry) {
      entry = { seen: 0, counts: new Map() };
      this.remote.set(msg.n, entry);
    }
    entry.seen = Date.now();
    if (msg.all && typeof msg.all === 'object') {
      entry.counts = new Map(Object.entries(msg.all).filter(([, c]) => typeof c === 'number' && c > 0));
    } else if (typeof msg.ip === 'string' && typeof msg.c === 'number') {
      if (msg.c > 0) entry.counts.set(msg.ip, msg.c);
      else entry.counts.delete(msg.ip);
    }
  }
}

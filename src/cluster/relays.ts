// Owns which link carries this node's token revocations and per-IP counts to the others: Redis between
// nodes, the primary's IPC between the workers of one machine without Redis; the IP cap counts the
// machine (its workers) or, with `EH_IP_LIMIT_SCOPE=cluster`, every node. Knows links, not sockets.
import type { Logger } from 'pino';
import type { Config } from '../config';
import { ClusterConnectionLimiter } from './ip-limit';
import type { PeerLink } from './peer-link';
import { RevocationRelay } from './revocations';

/** The settings the relays read. */
type RelayConfig = Pick<Config, 'redisPrefix' | 'authCacheTtl' | 'ipLimitScope' | 'maxConnectionsPerIp' | 'clusterHeartbeatMs'>;

/** The links a node has: Redis (cluster mode) and, for a worker, its machine's primary. */
export interface RelayLinks {
  redis?: PeerLink;
  machine?: PeerLink;
}

/** What a node relays: revocations (when it has any peer) and a shared IP cap (when one applies). */
export interface Relays {
  relay?: RevocationRelay;
  limiter?: ClusterConnectionLimiter;
}

/**
 * Builds the relays over the links there are; `onHeartbeat` republishes the IP counts on every beat.
 * @example const { relay, limiter } = buildRelays(config, logger, node, { redis: link }, (fn) => cluster.onHeartbeat(fn));
 */
export function buildRelays(config: RelayConfig, logger: Logger, node: string, links: RelayLinks, onHeartbeat: (listener: () => void) => void): Relays {
  const relays: Relays = {};
  const prefix = config.redisPrefix;
  const peers = links.redis ?? links.machine;
  if (peers) {
    // A token another node found dead is refused here for as long as a driver may cache it.
    relays.relay = new RevocationRelay(config.authCacheTtl * 1000 + 5000, logger);
    relays.relay.connect(peers, `${prefix}:cluster:revoked`, node);
  }
  const [ipLink, channel] = config.ipLimitScope === 'cluster' ? [links.redis, `${prefix}:cluster:ip`] : [links.machine, `${prefix}:machine:ip`];
  if (ipLink && config.maxConnectionsPerIp > 0) {
    const limiter = new ClusterConnectionLimiter(config.maxConnectionsPerIp);
    limiter.connect({ link: ipLink, channel, node, staleMs: config.clusterHeartbeatMs * 3 });
    onHeartbeat(() => limiter.publishSnapshot());
    relays.limiter = limiter;
  }
  return relays;
}

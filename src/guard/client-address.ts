// Owns finding a request's client address: the TCP peer, or X-Forwarded-For when (and only when)
// the peer is a configured trusted proxy (EH_TRUSTED_PROXIES). Knows nothing about limits or auth.
import net from 'node:net';
import type { IncomingMessage } from 'node:http';
import { normalizeIp, parseProxyList, ProxyEntry } from '../config-values';

/** The address limits and logs speak of. */
export interface ClientAddress {
  ip: string;
  /** The TCP peer's port (the proxy's, when forwarded). */
  port: number;
}

const normalize = normalizeIp;

/**
 * Resolves client addresses, trusting X-Forwarded-For only from the listed proxies (IPs or CIDRs).
 * Walks the header right to left and stops at the first hop that is not a trusted proxy.
 * @example const resolve = new ClientAddressResolver("10.0.0.0/8, 127.0.0.1"); resolve.of(req).ip
 */
export class ClientAddressResolver {
  private readonly trusted = new net.BlockList();
  private readonly any: boolean;
  private readonly memo = new WeakMap<IncomingMessage, ClientAddress>();

  constructor(spec: string) {
    let entries: ProxyEntry[];
    try {
      entries = parseProxyList(spec);
    } catch (err) {
      throw new Error(`EH_TRUSTED_PROXIES: ${(err as Error).message}`);
    }
    for (const entry of entries) {
      if (entry.prefix === undefined) this.trusted.addAddress(entry.ip, entry.type);
      else this.trusted.addSubnet(entry.ip, entry.prefix, entry.type);
    }
    this.any = entries.length > 0;
  }

  /** Whether an address is a trusted proxy. */
  isTrusted(ip: string): boolean {
    if (!this.any) return false;
    const n = normalize(ip);
    return net.isIP(n) !== 0 && this.trusted.check(n, net.isIPv6(n) ? 'ipv6' : 'ipv4');
  }

  /** The client address of a request (memoized per request). */
  of(req: IncomingMessage): ClientAddress {
    let found = this.memo.get(req);
    if (found) return found;
    const peer = normalize(req.socket.remoteAddress ?? 'unknown');
    const port = req.socket.remotePort ?? 0;
    found = { ip: peer, port };
    const header = req.headers['x-forwarded-for'];
    if (header && this.isTrusted(peer)) {
      const hops = (Array.isArray(header) ? header.join(',') : header).split(',').map(normalize).filter((h) => net.isIP(h) !== 0);
      for (let i = hops.length - 1; i >= 0; i--) {
        found = { ip: hops[i]!, port };
        if (!this.isTrusted(hops[i]!)) break;
      }
    }
    this.memo.set(req, found);
    return found;
  }
}

// Owns the syntax of the list-valued settings (trusted proxies, allowed origins): parsing them, and the
// message that names a bad entry. Pure; config.ts validates with it, the modules that use a list parse with it.
import net from 'node:net';

/** One trusted proxy: an address, or a subnet when `prefix` is set. */
export interface ProxyEntry {
  ip: string;
  prefix?: number;
  type: 'ipv4' | 'ipv6';
}

/** `[::1]` → `::1`, `::ffff:10.0.0.1` → `10.0.0.1`. */
export function normalizeIp(ip: string): string {
  const trimmed = ip.trim().replace(/^\[|\]$/g, '');
  return trimmed.startsWith('::ffff:') && net.isIPv4(trimmed.slice(7)) ? trimmed.slice(7) : trimmed;
}

function commaList(spec: string, normalize: (s: string) => string = (s) => s.trim()): string[] {
  return spec.split(',').map(normalize).filter((s) => s.length > 0);
}

/**
 * Parses `EH_TRUSTED_PROXIES`; throws an Error naming the first entry that is not an IP or CIDR.
 * @example parseProxyList("10.0.0.0/8, 127.0.0.1") // [{ ip: "10.0.0.0", prefix: 8, type: "ipv4" }, { ip: "127.0.0.1", type: "ipv4" }]
 */
export function parseProxyList(spec: string): ProxyEntry[] {
  return commaList(spec).map((entry) => {
    const [addr, bits, extra] = entry.split('/') as [string, string | undefined, string | undefined];
    const ip = normalizeIp(addr);
    const type = net.isIPv6(ip) ? 'ipv6' : 'ipv4';
    const prefix = Number(bits);
    const maxBits = type === 'ipv6' ? 128 : 32;
    if (extra !== undefined || !net.isIP(ip) || (bits !== undefined && !(/^\d+$/.test(bits) && prefix <= maxBits))) {
      throw new Error(`${entry} is not an IP address or CIDR (e.g. 10.0.0.5 or 10.0.0.0/8)`);
    }
    return bits === undefined ? { ip, type } : { ip, prefix, type };
  });
}

/** An origin as the browser's Origin header writes it: lower case, no trailing slash. */
export function normalizeOrigin(s: string): string {
  return s.trim().toLowerCase().replace(/\/$/, '');
}

/**
 * Checks `EH_ALLOWED_ORIGINS` (`*`, or origins such as `https://portal.example.com` and
 * `https://*.example.net`); throws an Error naming the first entry that is not one.
 * @example checkOriginList("https://portal.example.com") // fine; checkOriginList("portal") throws
 */
export function checkOriginList(spec: string): void {
  for (const entry of commaList(spec, normalizeOrigin)) {
    if (entry === '*') continue;
    const concrete = entry.replace('://*.', '://wildcard.');
    let url: URL | undefined;
    try {
      url = new URL(concrete);
    } catch {
      url = undefined;
    }
    if (!url || !['http:', 'https:'].includes(url.protocol) || url.origin !== concrete || concrete.includes('*')) {
      throw new Error(`${entry} is not an origin: write scheme://host[:port], e.g. https://portal.example.com, https://*.example.com, or * for any`);
    }
  }
}

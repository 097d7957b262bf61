// Owns which client addresses share the per-IP limits (connections, failed-login blocks): an IPv4
// address alone; an IPv6 address with its whole /64, the block one subscriber or host is given, so
// rotating addresses inside it escapes nothing. Pure; knows nothing of requests or counts.
import net from 'node:net';

/** The eight 16-bit groups of an IPv6 address, as numbers ('::' expanded, a trailing IPv4 part converted). */
function ipv6Groups(ip: string): number[] {
  let text = ip.toLowerCase();
  const dotted = text.lastIndexOf(':');
  if (text.includes('.', dotted)) {
    const [a, b, c, d] = text.slice(dotted + 1).split('.').map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const front = head ? head.split(':') : [];
  if (tail === undefined) return front.map((g) => parseInt(g, 16));
  const back = tail ? tail.split(':') : [];
  return [...front, ...Array<string>(8 - front.length - back.length).fill('0'), ...back].map((g) => parseInt(g, 16));
}

/**
 * The key the per-IP limits count a client address under; a key given again comes back unchanged.
 * @example limitKeyOf('2001:db8:0:7:a::1') // '2001:db8:0:7::/64'
 * @example limitKeyOf('::ffff:10.1.2.3') // '10.1.2.3'
 */
export function limitKeyOf(ip: string): string {
  if (net.isIPv4(ip) || ip.endsWith('::/64')) return ip;
  if (!net.isIPv6(ip)) return ip;
  const groups = ipv6Groups(ip);
  // An IPv4 client seen through a dual-stack socket is that IPv4 address.
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) return `${groups[6]! >> 8}.${groups[6]! & 255}.${groups[7]! >> 8}.${groups[7]! & 255}`;
  return `${groups.slice(0, 4).map((g) => g.toString(16)).join(':')}::/64`;
}

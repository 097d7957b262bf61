// Owns the browser origin policy (EH_ALLOWED_ORIGINS): which page origins may open a connection.
// Pure string matching; requests from non-browser clients (no Origin, or one no browser sends) are not its business.
import { normalizeOrigin } from '../config-values';

/**
 * Parses `*` (everyone, KAZOO's behaviour) or a comma list of origins, where `https://*.example.com`
 * matches any subdomain, and returns a predicate over the request's Origin header.
 * @example const allowed = originPolicy("https://portal.example.com, https://*.example.net"); allowed("https://a.example.net") // true
 */
export function originPolicy(spec: string): (origin: string | undefined) => boolean {
  // Normalised as the header is below (`https://portal.example.com/` is a common way to write an origin).
  const normalise = normalizeOrigin;
  const entries = spec.split(',').map(normalise).filter((s) => s.length > 0);
  if (entries.length === 0 || entries.includes('*')) return () => true;
  const exact = new Set(entries.filter((e) => !e.includes('*')));
  const suffixes = entries
    .filter((e) => e.includes('://*.'))
    .map((e) => {
      const [scheme, host] = e.split('://*.') as [string, string];
      return { scheme: scheme + '://', suffix: '.' + host };
    });
  return (origin) => {
    if (origin === undefined) return true;
    const o = normalise(origin);
    // A browser sends `scheme://host[:port]` or `null`; old ws clients (Socket.IO 0.9 for Node) send a bare `host:port`.
    if (!o.includes('://') && o !== 'null') return true;
    if (exact.has(o)) return true;
    return suffixes.some((s) => o.startsWith(s.scheme) && o.endsWith(s.suffix) && o.length > s.scheme.length + s.suffix.length);
  };
}

// The pure parts of abuse protection: token bucket, failed-login blocks, connection caps, origin
// policy, X-Forwarded-For trust, and the counters as Prometheus reads them.
import type { IncomingMessage } from 'node:http';
import { Registry } from 'prom-client';
import { TokenBucket } from '../../src/guard/token-bucket';
import { AuthFailureTracker } from '../../src/guard/auth-failures';
import { ConnectionLimiter } from '../../src/guard/connection-limiter';
import { originPolicy } from '../../src/guard/origin-policy';
import { ClientAddressResolver } from '../../src/guard/client-address';
import { createLimitsCounters } from '../../src/guard/limits-counters';
import { registerLimitsMetrics } from '../../src/ops/limits-metrics';
import { InboundGuard, RATE_LIMIT_CLOSE } from '../../src/guard/inbound-guard';

function request(remoteAddress: string, forwardedFor?: string): IncomingMessage {
  return { socket: { remoteAddress, remotePort: 40000 }, headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {} } as unknown as IncomingMessage;
}

describe('TokenBucket', () => {
  it('allows a burst of its capacity, then refills at its rate (KAZOO: 100 tokens, 10/s)', () => {
    const bucket = new TokenBucket(100, 10, 0);
    let admitted = 0;
    for (let i = 0; i < 150; i++) if (bucket.take(0)) admitted++;
    expect(admitted).toBe(100);
    expect(bucket.take(50)).toBe(false);
    expect(bucket.take(100)).toBe(true);
    let later = 0;
    for (let i = 0; i < 50; i++) if (bucket.take(2100)) later++;
    expect(later).toBe(20);
  });
});

describe('AuthFailureTracker', () => {
  it('blocks an IP after maxFailures within the window, for blockSeconds, and only that IP', () => {
    let now = 0;
    const t = new AuthFailureTracker({ maxFailures: 3, blockSeconds: 10, now: () => now });
    expect(t.record('1.1.1.1')).toBe(false);
    expect(t.record('1.1.1.1')).toBe(false);
    expect(t.blockedFor('1.1.1.1')).toBe(0);
    expect(t.record('1.1.1.1')).toBe(true);
    expect(t.blockedFor('1.1.1.1')).toBe(10);
    expect(t.blockedFor('2.2.2.2')).toBe(0);
    now = 9_500;
    expect(t.blockedFor('1.1.1.1')).toBe(1);
    now = 10_001;
    expect(t.blockedFor('1.1.1.1')).toBe(0);
  });

  it('counts an IPv6 client by its /64: failures from addresses inside it add up and block all of it', () => {
    const t = new AuthFailureTracker({ maxFailures: 3, blockSeconds: 10, now: () => 0 });
    t.record('2001:db8:5:5::1');
    t.record('2001:db8:5:5::2');
    expect(t.record('2001:db8:5:5:abcd::3')).toBe(true);
    expect(t.blockedFor('2001:db8:5:5:ffff:ffff:ffff:ffff')).toBe(10);
    expect(t.blockedFor('2001:db8:5:6::1')).toBe(0);
  });

  it('forgets failures spread wider than the window, and does nothing when turned off', () => {
    let now = 0;
    const t = new AuthFailureTracker({ maxFailures: 2, blockSeconds: 1, now: () => now });
    t.record('a');
    now = 1500;
    expect(t.record('a')).toBe(false);
    const off = new AuthFailureTracker({ maxFailures: 0, blockSeconds: 1 });
    for (let i = 0; i < 10; i++) expect(off.record('a')).toBe(false);
    expect(off.blockedFor('a')).toBe(0);
  });
});

describe('ConnectionLimiter', () => {
  it('caps connections per IP and frees a slot on release; 0 means no cap', () => {
    const l = new ConnectionLimiter(2);
    expect(l.acquire('a')).toBe(true);
    expect(l.acquire('a')).toBe(true);
    expect(l.acquire('a')).toBe(false);
    expect(l.acquire('b')).toBe(true);
    l.release('a');
    expect(l.allows('a')).toBe(true);
    const none = new ConnectionLimiter(0);
    for (let i = 0; i < 1000; i++) expect(none.acquire('a')).toBe(true);
  });
});

describe('originPolicy', () => {
  it('allows everyone with *, and requests without Origin always', () => {
    expect(originPolicy('*')('https://anything.example')).toBe(true);
    expect(originPolicy('https://portal.example.com')(undefined)).toBe(true);
  });

  it('matches listed origins exactly and *.domain as subdomains only', () => {
    const allowed = originPolicy('https://portal.example.com, https://*.example.net');
    expect(allowed('https://portal.example.com')).toBe(true);
    expect(allowed('https://PORTAL.example.com/')).toBe(true);
    expect(allowed('http://portal.example.com')).toBe(false);
    expect(allowed('https://evil.example.com')).toBe(false);
    expect(allowed('https://a.example.net')).toBe(true);
    expect(allowed('https://example.net')).toBe(false);
    expect(allowed('https://a.example.net.evil.com')).toBe(false);
    expect(allowed('null')).toBe(false);
  });

  it('lets through an Origin no browser sends (old ws clients send a bare host:port), never `null`', () => {
    const allowed = originPolicy('https://portal.example.com');
    expect(allowed('127.0.0.1:5555')).toBe(true);
    expect(allowed('null')).toBe(false);
    expect(allowed('https://127.0.0.1:5555')).toBe(false);
  });

  it('reads listed origins the way it reads the header: a trailing slash on either side does not matter', () => {
    const allowed = originPolicy('https://portal.example.com/, https://*.example.net/');
    expect(allowed('https://portal.example.com')).toBe(true);
    expect(allowed('https://a.example.net')).toBe(true);
    expect(allowed('https://evil.example.com')).toBe(false);
  });
});

describe('ClientAddressResolver', () => {
  it('ignores X-Forwarded-For from peers that are not trusted proxies', () => {
    expect(new ClientAddressResolver('').of(request('198.51.100.7', '203.0.113.1')).ip).toBe('198.51.100.7');
    expect(new ClientAddressResolver('10.0.0.0/8').of(request('198.51.100.7', '203.0.113.1')).ip).toBe('198.51.100.7');
  });

  it('takes the last untrusted hop when the peer is a trusted proxy (IPs, CIDRs, IPv4-mapped)', () => {
    const r = new ClientAddressResolver('10.0.0.0/8, 127.0.0.1');
    expect(r.of(request('::ffff:10.1.2.3', '203.0.113.1')).ip).toBe('203.0.113.1');
    // A client-supplied first hop cannot hide the address the proxy saw.
    expect(r.of(request('127.0.0.1', '1.2.3.4, 203.0.113.9, 10.0.0.5')).ip).toBe('203.0.113.9');
    expect(r.of(request('127.0.0.1', 'garbage')).ip).toBe('127.0.0.1');
  });

  it('refuses a malformed proxy list at start', () => {
    expect(() => new ClientAddressResolver('not-an-ip')).toThrow(/EH_TRUSTED_PROXIES/);
    expect(() => new ClientAddressResolver('10.0.0.0/33')).toThrow(/EH_TRUSTED_PROXIES: 10.0.0.0\/33/);
    expect(() => new ClientAddressResolver('10.0.0.0/x')).toThrow(/EH_TRUSTED_PROXIES/);
  });
});

describe('InboundGuard', () => {
  it('answers the first refused message, drops the rest silently, and closes after a bucket more', () => {
    const counters = createLimitsCounters();
    let now = 0;
    const guard = new InboundGuard({ maxMessageBytes: 100, perSecond: 1, burst: 3, counters, now: () => now });
    const conn = {};
    const verdicts = Array.from({ length: 8 }, () => guard.admit(conn, '1.2.3.4:5', 10, () => 'r1'));
    expect(verdicts.slice(0, 3).every((v) => v.ok)).toBe(true);
    expect(verdicts[3]).toEqual({ ok: false, reply: expect.objectContaining({ request_id: 'r1', data: { errors: ['rate limiting threshold hit for 1.2.3.4:5!'] } }) });
    expect(verdicts.slice(4, 6)).toEqual([{ ok: false }, { ok: false }]);
    expect(verdicts[6]).toEqual({ ok: false, close: RATE_LIMIT_CLOSE });
    expect(counters.rateLimited).toBe(5);
    expect(counters.rateLimitDisconnects).toBe(1);
    // Whatever still arrives on a closing connection is dropped, even after the bucket refills.
    now = 60_000;
    expect(guard.admit(conn, '1.2.3.4:5', 10)).toEqual({ ok: false });
    expect(counters.rateLimitDisconnects).toBe(1);
  });

  it('refuses messages over the size limit with a reply naming both sizes', () => {
    const counters = createLimitsCounters();
    const guard = new InboundGuard({ maxMessageBytes: 100, perSecond: 0, burst: 1, counters });
    const v = guard.admit({}, 'x', 101);
    expect(v.ok).toBe(false);
    expect(!v.ok && v.reply?.data['errors']).toEqual(['message too large: 101 bytes, at most 100']);
    expect(counters.messagesTooLarge).toBe(1);
  });
});

describe('registerLimitsMetrics', () => {
  it('exposes every counter on the registry it is given, read at scrape time', async () => {
    const counters = createLimitsCounters();
    const registry = new Registry();
    registerLimitsMetrics(counters, registry);
    counters.rateLimited = 3;
    counters.connectionsRefused = 2;
    let text = await registry.metrics();
    expect(text).toContain('eh_limits_rate_limited_total 3');
    expect(text).toContain('eh_limits_connections_refused_total 2');
    counters.rateLimited = 5;
    text = await registry.metrics();
    expect(text).toContain('eh_limits_rate_limited_total 5');
  });
});

// The per-IP limits count an IPv6 client by its /64 and an IPv4 client by its address.
import { limitKeyOf } from '../../src/guard/address-group';

describe('limitKeyOf', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['::ffff:cb00:7107', '203.0.113.7'],
    ['2001:db8:0:7:a::1', '2001:db8:0:7::/64'],
    ['2001:0DB8:0000:0007:ffff:ffff:ffff:ffff', '2001:db8:0:7::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['64:ff9b::192.0.2.33', '64:ff9b:0:0::/64'],
    ['unknown', 'unknown'],
  ])('%s counts as %s', (ip, key) => {
    expect(limitKeyOf(ip)).toBe(key);
  });

  it('gives every address of one /64 the same key, and a neighbouring /64 another', () => {
    expect(new Set(['2001:db8:1:2::1', '2001:db8:1:2:ffff::9', '2001:db8:1:2:1:2:3:4'].map(limitKeyOf)).size).toBe(1);
    expect(limitKeyOf('2001:db8:1:3::1')).not.toBe(limitKeyOf('2001:db8:1:2::1'));
  });

  it('returns a key unchanged', () => {
    for (const ip of ['2001:db8:0:7:a::1', '10.0.0.1']) expect(limitKeyOf(limitKeyOf(ip))).toBe(limitKeyOf(ip));
  });
});

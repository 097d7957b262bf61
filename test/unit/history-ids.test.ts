// The pieces of cross-node recovery that need no Redis: stream position order, room hit identities
// (the same on every node, different per room and per event), and sealed tokens.
import { comparePositions, eventId, hitId } from '../../src/cluster/redis-history';
import { recordName, seal, unseal } from '../../src/cluster/session-directory';

it('orders stream positions by millisecond, then sequence, as numbers', () => {
  const sorted = ['1700000000001-2', '999-5', '1700000000001-10', '1700000000000-99'].sort(comparePositions);
  expect(sorted).toEqual(['999-5', '1700000000000-99', '1700000000001-2', '1700000000001-10']);
  expect(comparePositions('5-1', '5-1')).toBe(0);
});

it('names a room hit the same way for the same event and room, differently otherwise', () => {
  const body = '{"Call-ID":"c1","Msg-ID":"m1"}';
  const ev = eventId('call.CHANNEL_CREATE.c1', body);
  expect(eventId('call.CHANNEL_CREATE.c1', body)).toBe(ev);
  expect(eventId('call.CHANNEL_CREATE.c1', '{"Call-ID":"c1","Msg-ID":"m2"}')).not.toBe(ev);
  expect(eventId('call.CHANNEL_ANSWER.c1', body)).not.toBe(ev);
  expect(hitId('a/call.*.*', ev)).toBe(hitId('a/call.*.*', ev));
  expect(hitId('a/call.*.*', ev)).not.toBe(hitId('a/call.CHANNEL_CREATE.*', ev));
  expect(hitId('a/call.*.*', ev)).toMatch(/^[A-Za-z0-9_-]{22}$/);
});

it('seals a token so that only the session key opens it, and names a record without revealing the key', () => {
  const sealed = seal('pid-1', 'tok-abc');
  expect(sealed).not.toContain('tok-abc');
  expect(unseal('pid-1', sealed)).toBe('tok-abc');
  expect(unseal('pid-2', sealed)).toBeUndefined();
  expect(unseal('pid-1', 'garbage')).toBeUndefined();
  expect(seal('pid-1', 'tok-abc')).not.toBe(sealed); // a fresh IV each time
  expect(recordName('pid-1')).not.toContain('pid-1');
  expect(recordName('pid-1')).toBe(recordName('pid-1'));
});

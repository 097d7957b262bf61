// The rate-limited log line: first at once, then one per interval saying how many were held back.
import { LogThrottle } from '../../src/ops/log-throttle';
import { LogCapture } from '../helpers/log-capture';

it('logs the first occurrence, holds back repeats within the interval, and counts them on the next line', () => {
  let now = 1_000;
  const logs = new LogCapture('info');
  const throttle = new LogThrottle({ logger: logs.logger, level: 'warn', intervalMs: 30_000, now: () => now });
  expect(throttle.log({ url: 'http://kazoo:8000/v2/token_auth' }, 'authenticator unavailable')).toBe(true);
  now += 5_000;
  expect(throttle.log({}, 'authenticator unavailable')).toBe(false);
  now += 5_000;
  expect(throttle.log({}, 'authenticator unavailable')).toBe(false);
  now += 25_000;
  expect(throttle.log({ error_code: 'ECONNREFUSED' }, 'authenticator unavailable')).toBe(true);
  expect(logs.lines.map((l) => [l.msg, l['suppressed'], l['suppressedForMs'], l['url'] ?? l['error_code']])).toEqual([
    ['authenticator unavailable', undefined, undefined, 'http://kazoo:8000/v2/token_auth'],
    ['authenticator unavailable', 2, 35_000, 'ECONNREFUSED'],
  ]);
});

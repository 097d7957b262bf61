// Logs never carry a usable token: fields by name, and tokens quoted inside error texts.
import { Writable } from 'node:stream';
import { createLogger, redactToken, scrubTokens } from '../../src/ops/logger';

function capture(): { lines: () => Array<Record<string, unknown>>; stream: Writable } {
  let text = '';
  const stream = new Writable({
    write(chunk, _enc, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream, lines: () => text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>) };
}

const TOKEN = 'tok-0123456789abcdef0123456789';

it('shortens a token to its first four and last two characters', () => {
  expect(redactToken(TOKEN)).toBe('tok-…89');
  expect(redactToken('short')).toBe('***');
  expect(scrubTokens(`failed to authenticate token ${TOKEN}`)).toBe('failed to authenticate token tok-…89');
});

it('writes JSON lines with the connection id of a child logger and no full token anywhere', () => {
  const out = capture();
  const logger = createLogger('debug', false, out.stream);
  const conn = logger.child({ session: 'c0ffee' });
  conn.debug({ auth_token: TOKEN, errors: [`failed to authenticate token ${TOKEN}`], envelope: { auth_token: TOKEN } }, 'command refused');
  conn.info(`auth failure for token ${TOKEN}`);
  const text = JSON.stringify(out.lines());
  expect(text).not.toContain(TOKEN);
  const [first, second] = out.lines();
  expect(first).toMatchObject({ level: 20, session: 'c0ffee', service: 'event-horizon', msg: 'command refused', errors: ['failed to authenticate token tok-…89'] });
  expect(first!['auth_token']).toBe('tok-…89');
  expect(second).toMatchObject({ session: 'c0ffee', msg: 'auth failure for token tok-…89' });
});

it('shortens tokens quoted in errors and in nested objects too', () => {
  const out = capture();
  const logger = createLogger('debug', false, out.stream);
  logger.error({ err: new Error(`failed to authenticate token ${TOKEN}`) }, 'command failed unexpectedly');
  logger.debug({ reply: { data: { errors: [`failed to authenticate token ${TOKEN}`] } } }, 'reply');
  logger.warn(new Error(`failed to authenticate token ${TOKEN}`));
  expect(JSON.stringify(out.lines())).not.toContain(TOKEN);
  const [first, second] = out.lines();
  expect(first).toMatchObject({ err: { type: 'Error', message: 'failed to authenticate token tok-…89' } });
  expect(String((first!['err'] as { stack: string }).stack)).toMatch(/^Error: failed to authenticate token tok-…89\n/);
  expect(second).toMatchObject({ reply: { data: { errors: ['failed to authenticate token tok-…89'] } } });
  expect(out.lines()[2]).toMatchObject({ msg: 'failed to authenticate token tok-…89', err: { message: 'failed to authenticate token tok-…89' } });
});

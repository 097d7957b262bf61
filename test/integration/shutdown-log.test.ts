// SIGTERM with live subscriptions, read from the process's own log: the drain ends every binding as
// the broker connection closes, and a clean drain logs no warning (none about bindings it no longer needs).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { PROJECT_ROOT } from '../../src/config';
import { newAccountId, newToken } from '../helpers/ids';
import { AMQP_URL } from '../helpers/kazoo';
import { waitUntil } from '../helpers/wait';
import { ChildOutput } from '../helpers/child-output';

const TSX = path.join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx');
const MAIN = path.join(PROJECT_ROOT, 'src', 'main.ts');

/** pino's numeric level for `warn`; anything at or above it is a warning or worse. */
const WARN = 40;

function logLines(text: string): Array<{ level: number; msg: string }> {
  return text
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { level: number; msg: string });
}

it('drains on SIGTERM with subscriptions held and logs no warning', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eh-shutdown-'));
  const tokensFile = path.join(dir, 'tokens.json');
  const [token, accountId] = [newToken(), newAccountId()];
  fs.writeFileSync(tokensFile, JSON.stringify({ tokens: { [token]: { account_id: accountId, descendants: [] } } }));
  const child = spawn(TSX, [MAIN, '--port', '0', '--host', '127.0.0.1', '--tokens-file', tokensFile], {
    env: { ...process.env, EH_AMQP_URL: AMQP_URL, EH_WORKERS: '1', EH_LOG_LEVEL: 'debug', EH_SHUTDOWN_TIMEOUT_MS: '5000' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = new ChildOutput(child);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    const [, port] = await output.waitFor('the listening line', /"url":"http:\/\/127\.0\.0\.1:(\d+)"/, 20000);
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const replies: Array<{ request_id: string; status: string }> = [];
    ws.on('message', (data) => replies.push(JSON.parse(data.toString()) as { request_id: string; status: string }));
    ws.on('error', () => undefined);
    const bindings = ['call.CHANNEL_CREATE.*', 'call.CHANNEL_ANSWER.*', 'call.CHANNEL_DESTROY.*', 'call.CHANNEL_BRIDGE.*', 'object.doc_created.user', 'fax.status.*'];
    bindings.forEach((binding, i) => ws.send(JSON.stringify({ action: 'subscribe', auth_token: token, request_id: `s${i}`, data: { account_id: accountId, binding } })));
    await waitUntil('every subscribe answered', () => (replies.length >= bindings.length ? true : undefined), (cb) => (ws.on('message', cb), () => ws.off('message', cb)), 10000);
    expect(replies.map((r) => r.status)).toEqual(bindings.map(() => 'success'));

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const lines = logLines(output.text);
    // The drain ran (not a crash), and nothing it did was reported as a problem.
    expect(lines.some((l) => l.level === 30 && /shutdown complete/.test(l.msg))).toBe(true);
    expect(output.text).not.toContain('AMQP binding change failed');
    expect(lines.filter((l) => l.level >= WARN).map((l) => l.msg)).toEqual([]);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 40000);

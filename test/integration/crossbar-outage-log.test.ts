// EH_AUTH=crossbar with Crossbar down: the log says where it tried and why it failed (the network
// error's code), once per outage window, not once per command.
import { UNAVAILABLE_LOG_INTERVAL_MS } from '../../src/auth/access-control';
import { connectClient } from '../helpers/clients';
import { FakeCrossbar } from '../helpers/fake-crossbar';
import { newAccountId } from '../helpers/ids';
import { Level, LogCapture } from '../helpers/log-capture';
import { startTestServer } from '../helpers/server';

it('logs the URL and the cause (ECONNREFUSED) once for many refused commands', async () => {
  const gone = await FakeCrossbar.start();
  await gone.stop();
  const logs = new LogCapture('info');
  const server = await startTestServer({ auth: 'crossbar', crossbarUrl: gone.url, crossbarTimeoutMs: 2000 }, {}, { logger: logs.logger });
  const c = await connectClient('websocket', server.url);
  try {
    for (let i = 0; i < 5; i++) {
      // A fresh token each time: nothing is cached, every command asks Crossbar.
      const reply = await c.subscribe(`token-${i}-${Date.now()}`, newAccountId(), 'call.CHANNEL_CREATE.*');
      expect(reply).toMatchObject({ status: 'error', data: { errors: ['authentication service unavailable'] } });
    }
    const lines = logs.filter((l) => l.msg === 'authenticator unavailable');
    // Five commands well inside one interval: one line.
    expect(UNAVAILABLE_LOG_INTERVAL_MS).toBeGreaterThanOrEqual(10_000);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: Level.warn, url: `${gone.url}/token_auth`, error_code: 'ECONNREFUSED' });
    expect(String(lines[0]!['err'])).toContain(`${gone.url}/token_auth`);
    expect(String(lines[0]!['err'])).toContain('ECONNREFUSED');
    expect(server.app.security.counters.authUnavailable).toBe(5);
  } finally {
    await c.close();
    await server.stop();
  }
}, 30000);

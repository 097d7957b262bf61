// The node's Redis link against a private redis-server: it reports Redis away when it fails, and back
// when it answers again, also when the connection itself never dropped (no reconnect, no `ready`).
import pino from 'pino';
import { createClient } from 'redis';
import { RedisLink } from '../../src/cluster/redis-link';
import { PrivateRedis } from '../helpers/cluster-nodes';
import { pollUntil } from '../helpers/wait';

let redis: PrivateRedis;
beforeAll(async () => {
  redis = await PrivateRedis.start();
});
afterAll(() => redis.stop());

it('comes back up after Redis answered its pings with errors (BUSY) without dropping the connection', async () => {
  const link = new RedisLink({ url: redis.url, logger: pino({ level: 'silent' }), clientName: 'eh-test-link' });
  const admin = createClient({ url: redis.url });
  const blocker = createClient({ url: redis.url });
  admin.on('error', () => undefined);
  blocker.on('error', () => undefined);
  const changes: boolean[] = [];
  link.onChange((up) => changes.push(up));
  try {
    await Promise.all([link.start(), admin.connect(), blocker.connect()]);
    expect(link.up).toBe(true);
    await admin.configSet('busy-reply-threshold', '100');
    // A script that never ends: past the threshold every other command, PING included, gets -BUSY.
    const busy = blocker.eval('while true do end', { keys: [], arguments: [] }).catch(() => 'killed');
    await pollUntil('the link to see Redis failing', () => (link.up ? undefined : true), 12000);
    await admin.sendCommand(['SCRIPT', 'KILL']);
    expect(await busy).toBe('killed');
    await pollUntil('the link to see Redis answering again', () => (link.up ? true : undefined), 12000);
    expect(changes).toEqual([true, false, true]);
  } finally {
    await link.close();
    admin.destroy();
    blocker.destroy();
  }
}, 30000);

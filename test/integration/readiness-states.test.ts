// /readyz names each dependency's state as it is: Redis away is `degraded` (the node still serves its
// own clients, so it stays ready), never `ok` beside a detail saying it is unreachable.
import { freePort } from '../helpers/cluster-nodes';
import { startTestServer, TestServer } from '../helpers/server';
import { pollUntil } from '../helpers/wait';

async function readyBody(server: TestServer): Promise<{ status: number; body: Record<string, unknown> }> {
  return pollUntil('/readyz with RabbitMQ connected', async () => {
    const res = await fetch(`${server.url}/readyz`);
    const body = (await res.json()) as Record<string, unknown>;
    return body['rabbitmq'] === 'ok' ? { status: res.status, body } : undefined;
  }, 15000);
}

it('says redis "degraded" with the cause while Redis is unreachable, and stays ready', async () => {
  // Nothing listens on this port: the node starts during an outage.
  const server = await startTestServer({ redisUrl: `redis://127.0.0.1:${await freePort()}`, adminToken: 'readiness-test-admin-token', redisPrefix: `eh-ready-${process.pid}-${Date.now()}` });
  try {
    const { status, body } = await readyBody(server);
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: 'ready', redis: 'degraded', redis_detail: 'unreachable: serving this node locally' });
  } finally {
    await server.stop();
  }
}, 30000);

it('says redis "off" on a single node and "ok" when Redis answers', async () => {
  const single = await startTestServer();
  try {
    expect((await readyBody(single)).body).toMatchObject({ redis: 'off', redis_detail: 'not configured (single node)' });
  } finally {
    await single.stop();
  }
  const clustered = await startTestServer({ redisUrl: 'redis://127.0.0.1:6379', redisPrefix: `eh-ready-${process.pid}-${Date.now()}` });
  try {
    const body = await pollUntil('redis connected in /readyz', async () => {
      const b = (await readyBody(clustered)).body;
      return b['redis'] === 'ok' ? b : undefined;
    }, 15000);
    expect(body).toMatchObject({ status: 'ready', redis: 'ok', redis_detail: 'connected' });
  } finally {
    await clustered.stop();
  }
}, 40000);

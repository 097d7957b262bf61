// Crossbar's websockets API is a way in like any socket: its failed tokens count towards the IP's
// failed-login block, and a blocked IP is refused there too.
import { useBridge } from '../helpers/bridge-fixture';

// Two failed logins block an IP for a minute; client IPs come from X-Forwarded-For through the trusted local proxy.
const bridge = useBridge({ trustedProxies: '127.0.0.1', maxAuthFailuresPerIp: 2, authBlockSeconds: 60 });

async function websockets(accountId: string, token: string, ip: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${bridge.server.url}/v2/accounts/${accountId}/websockets`, { headers: { 'X-Auth-Token': token, 'X-Forwarded-For': ip } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('GET /v2/accounts/{ACCOUNT_ID}/websockets and failed logins', () => {
  it('counts each unknown token as a failed login and refuses the IP once it is blocked, even with a good token', async () => {
    const { token, accountId } = bridge.server.addIdentity();
    const before = bridge.server.app.security.counters.authFailures;
    for (let i = 0; i < 2; i++) expect((await websockets(accountId, `wrong-${i}`, '203.0.113.77')).status).toBe(401);
    expect(bridge.server.app.security.counters.authFailures - before).toBe(2);
    const blocked = await websockets(accountId, token, '203.0.113.77');
    expect(blocked.status).toBe(429);
    expect(blocked.body).toMatchObject({ error: '429', message: 'too_many_requests', status: 'error', data: { message: 'too many failed authentication attempts from 203.0.113.77: blocked for 60 s' } });
    // Another client is not affected.
    expect((await websockets(accountId, token, '203.0.113.78')).status).toBe(200);
  });
});

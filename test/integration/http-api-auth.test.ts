// The HTTP APIs that take a token (Crossbar's websockets API, the demo's simulate-call) are ways in like
// any socket: their failed tokens count towards the IP's failed-login block, and a blocked IP is refused there too.
import { useBridge } from '../helpers/bridge-fixture';

// Two failed logins block an IP for a minute; client IPs come from X-Forwarded-For through the trusted local proxy.
const bridge = useBridge({ trustedProxies: '127.0.0.1', maxAuthFailuresPerIp: 2, authBlockSeconds: 60, demo: true });

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

describe('POST /api/demo/simulate-call and failed logins', () => {
  it('counts each unknown token as a failed login and answers a blocked IP 429, even with a good token', async () => {
    const { token, accountId } = bridge.server.addIdentity();
    const simulate = (authToken: string) =>
      fetch(`${bridge.server.url}/api/demo/simulate-call`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Forwarded-For': '203.0.113.79' },
        body: JSON.stringify({ account_id: accountId, auth_token: authToken }),
      });
    for (let i = 0; i < 2; i++) expect((await simulate(`wrong-${i}`)).status).toBe(401);
    const blocked = await simulate(token);
    expect(blocked.status).toBe(429);
    expect(await blocked.json()).toEqual({ status: 'error', message: 'too many failed authentication attempts from 203.0.113.79: blocked for 60 s' });
  });
});

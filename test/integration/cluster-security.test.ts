// Security state that must hold across nodes: the per-IP connection cap counted over the cluster
// (EH_IP_LIMIT_SCOPE=cluster), and a token found dead on one node ending its subscriptions on every node.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { WsClient } from '../helpers/clients';
import { newAccountId, newToken } from '../helpers/ids';
import { pollUntil } from '../helpers/wait';
import { NodeProcess, TestCluster } from '../helpers/cluster-nodes';

jest.setTimeout(30000);

const REDIS_URL = process.env['EH_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const open: WsClient[] = [];
const clusters: TestCluster[] = [];
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eh-cluster-sec-'));

function wsUrl(node: NodeProcess): string {
  return node.url.replace(/^http/, 'ws') + '/';
}

async function connect(node: NodeProcess): Promise<WsClient> {
  const c = await WsClient.connect(wsUrl(node));
  open.push(c);
  return c;
}

/** Resolves with the refusal error once a connection to `node` is refused (one that gets in is closed again). */
function refusedAt(node: NodeProcess): Promise<Error> {
  return pollUntil(`a refusal at ${node.url}`, async () => {
    try {
      const c = await WsClient.connect(wsUrl(node));
      await c.close();
      return undefined;
    } catch (err) {
      return err as Error;
    }
  }, 5000, 50);
}

function cluster(env: Record<string, string>): TestCluster {
  const c = TestCluster.prepare({ redisUrl: REDIS_URL, prefix: `eh-test-${randomBytes(4).toString('hex')}`, adminToken: `admin-${randomBytes(12).toString('hex')}`, env });
  clusters.push(c);
  return c;
}

afterAll(async () => {
  await Promise.allSettled(open.map((c) => c.close()));
  await Promise.allSettled(clusters.map((c) => c.stop()));
  fs.rmSync(dir, { recursive: true, force: true });
});

it('caps connections per IP across nodes when EH_IP_LIMIT_SCOPE=cluster', async () => {
  const c = cluster({ EH_MAX_CONNECTIONS_PER_IP: '3', EH_IP_LIMIT_SCOPE: 'cluster' });
  const [a, b] = await c.startNodes(2);
  const onA = [await connect(a!), await connect(a!)];
  await connect(b!);
  // Three from this IP on two nodes: both nodes refuse a fourth.
  expect((await refusedAt(b!)).message).toMatch(/429/);
  expect((await refusedAt(a!)).message).toMatch(/429/);
  // One closes on A: B, told over Redis, lets one more in.
  await onA[0]!.close();
  const again = await pollUntil('B to admit a connection again', async () => {
    try {
      return await connect(b!);
    } catch {
      return undefined;
    }
  }, 5000, 50);
  expect(again.socket.readyState).toBe(1);
});

it('ends a dead token\'s subscriptions on every node, and other nodes refuse it afterwards', async () => {
  const token = newToken();
  const accountId = newAccountId();
  const entry = { account_id: accountId, descendants: [] };
  // Each node reads its own tokens file: only A learns that the token is gone.
  const fileA = path.join(dir, 'a.json');
  const fileB = path.join(dir, 'b.json');
  fs.writeFileSync(fileA, JSON.stringify({ tokens: { [token]: entry } }));
  fs.writeFileSync(fileB, JSON.stringify({ tokens: { [token]: entry } }));
  const c = cluster({ EH_AUTH_RECHECK_SECONDS: '0' });
  const a = await c.addNode({ EH_TOKENS_FILE: fileA });
  const b = await c.addNode({ EH_TOKENS_FILE: fileB });
  const onA = await connect(a);
  const onB = await connect(b);
  expect((await onA.subscribe(token, accountId, 'call.CHANNEL_CREATE.*')).status).toBe('success');
  expect((await onB.subscribe(token, accountId, 'call.CHANNEL_CREATE.*')).status).toBe('success');

  fs.writeFileSync(fileA, JSON.stringify({ tokens: {} }));
  const noticeA = await onA.nextReply((r) => r.status === 'error', 8000);
  const noticeB = await onB.nextReply((r) => r.status === 'error', 8000);
  for (const notice of [noticeA, noticeB]) {
    expect(notice.data).toMatchObject({ account_id: accountId, unsubscribed: ['call.CHANNEL_CREATE.*'], subscribed: [] });
    expect(notice.data.errors?.[0]).toMatch(/revoked or expired/);
  }
  // Both connections were ended so their clients subscribe again. B's own tokens file still has the token, yet B refuses it now.
  await Promise.all([onA.ended(), onB.ended()]);
  const again = await connect(b);
  const retry = await again.subscribe(token, accountId, 'call.CHANNEL_CREATE.*');
  expect(retry.status).toBe('error');
  await b.output.waitFor('B to log whose notice it acted on', /another node found dead/, 5000);
});

// Client structures nested or sized to hurt: refused where they enter with the real cause, so nothing that
// serialises them later (another node's query through Redis, the websockets API) can throw. Two real
// node processes on a real Redis for the cluster query; one in-process node for the rest.
import { randomBytes } from 'node:crypto';
import { connectClient, EnvelopeClient, Generation, GENERATIONS, WsClient } from '../helpers/clients';
import { NodeProcess, TestCluster } from '../helpers/cluster-nodes';
import { Client09 } from '../helpers/legacy-client';
import { startTestServer, TestServer } from '../helpers/server';

jest.setTimeout(40000);

const REDIS_URL = process.env['EH_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const BINDING = 'call.CHANNEL_CREATE.*';
/** 6,000 levels of arrays, 12 KB: under EH_MAX_MESSAGE_BYTES, far over any stack JSON.stringify has. */
const DEEP = '['.repeat(6000) + ']'.repeat(6000);
const DEPTH_TEXT = 'invalid message: the message nests deeper than 64 levels (at data.metadata.x…)';

/** The subscribe of the report, as text (JSON.stringify cannot write it). */
function deepSubscribe(token: string, accountId: string, requestId: string): string {
  return `{"action":"subscribe","auth_token":"${token}","request_id":"${requestId}","data":{"account_id":"${accountId}","binding":"${BINDING}","metadata":{"x":${DEEP}}}}`;
}

/** Metadata at the bounds: 8 levels, about 4 KB. */
const FULL_METADATA = { a: { b: { c: { d: { e: { f: { g: ['h'] } } } } } }, pad: 'm'.repeat(3900) };

async function listWebsockets(url: string, token: string, accountId: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${url}/v2/accounts/${accountId}/websockets`, { headers: { 'X-Auth-Token': token } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('two real nodes on Redis: the websockets query another node answers', () => {
  let cluster: TestCluster;
  let x: NodeProcess;
  let y: NodeProcess;
  let id: { token: string; accountId: string };
  const open: WsClient[] = [];

  beforeAll(async () => {
    cluster = TestCluster.prepare({ redisUrl: REDIS_URL, prefix: `eh-test-${randomBytes(4).toString('hex')}`, adminToken: `admin-${randomBytes(12).toString('hex')}` });
    id = cluster.addIdentity(); // before the nodes start, so both know the token at once
    [x, y] = (await cluster.startNodes(2)) as [NodeProcess, NodeProcess];
  });
  afterAll(async () => {
    await Promise.allSettled(open.map((c) => c.close()));
    await cluster.stop();
  });

  it('refuses the 6,000-level metadata on node X with its cause; node Y\'s listing is answered and X stays up', async () => {
    const onX = await WsClient.connect(x.url.replace(/^http/, 'ws') + '/');
    open.push(onX);
    onX.send(deepSubscribe(id.token, id.accountId, 'deep'));
    expect(await onX.nextReply((r) => r.request_id === 'deep')).toMatchObject({ status: 'error', data: { errors: [DEPTH_TEXT] } });
    // The same connection still subscribes with metadata at the bounds, which every node can serialise.
    expect((await onX.subscribe(id.token, id.accountId, BINDING, { metadata: FULL_METADATA })).status).toBe('success');

    const listed = await listWebsockets(y.url, id.token, id.accountId);
    expect(listed.status).toBe(200);
    const views = listed.body['data'] as Array<{ node: string; subscriptions: Array<{ metadata?: unknown }> }>;
    expect(views).toHaveLength(1);
    expect(views[0]!.subscriptions[0]!.metadata).toEqual(FULL_METADATA);
    expect(x.alive).toBe(true);
    expect(y.alive).toBe(true);
    expect(x.output.text).not.toMatch(/Maximum call stack size exceeded/);
    // X keeps serving: a ping on the same connection is answered.
    expect((await onX.request({ action: 'ping', auth_token: id.token })).status).toBe('success');
  });
});

describe('one node', () => {
  let server: TestServer;
  const open: EnvelopeClient[] = [];

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.close()));
  });
  afterAll(() => server.stop());

  async function client(generation: Generation): Promise<EnvelopeClient> {
    const c = await connectClient(generation, server.url);
    open.push(c);
    return c;
  }

  it.each(GENERATIONS)('%s: the deep subscribe is refused with its cause and the websockets API answers 200', async (generation) => {
    const id = server.addIdentity();
    const c = await client(generation);
    c.send(deepSubscribe(id.token, id.accountId, 'deep-one'));
    expect(await c.nextReply((r) => r.request_id === 'deep-one')).toMatchObject({ status: 'error', data: { errors: [DEPTH_TEXT] } });
    const listed = await listWebsockets(server.url, id.token, id.accountId);
    expect(listed.status).toBe(200);
    expect(listed.body['data']).toEqual([]);
  });

  it('Socket.IO 0.9: the deep emit("subscribe") is refused with its cause', async () => {
    const id = server.addIdentity();
    const c = Client09.open(server.url, 'websocket');
    try {
      await c.connected;
      let deep: unknown = 1;
      for (let i = 0; i < 70; i++) deep = [deep];
      c.socket.emit('subscribe', { account_id: id.accountId, auth_token: id.token, binding: BINDING, request_id: 'deep-09', metadata: { x: deep } });
      const item = await c.inbox.wait('the refusal', (i) => i.name === 'message' && (i.data as { request_id?: string }).request_id === 'deep-09');
      expect((item.data as { data: { errors: string[] } }).data.errors[0]).toBe(DEPTH_TEXT);
    } finally {
      c.close();
    }
  });

  it('publish_app_event with a payload 4,500 levels deep blames the payload, not the event bus', async () => {
    const id = server.addIdentity();
    const c = await client('websocket');
    const deep = '{"a":'.repeat(4500) + '1' + '}'.repeat(4500);
    c.send(`{"action":"publish_app_event","auth_token":"${id.token}","request_id":"app-deep","data":{"account_id":"${id.accountId}","app":"crm","event":"x","payload":${deep}}}`);
    const reply = await c.nextReply((r) => r.request_id === 'app-deep');
    expect(reply.data.errors).toEqual(['invalid message: the message nests deeper than 64 levels (at data.payload.a…)']);
    const shallow = { p: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]] };
    const bounded = await c.request({ action: 'publish_app_event', auth_token: id.token, data: { account_id: id.accountId, app: 'crm', event: 'x', payload: shallow } });
    expect(bounded.data.errors).toEqual(['invalid message: "data.payload" nests deeper than 32 levels (at p[0][0]…)']);
  });

  it('a websockets API request that fails inside the bridge answers 500, never "authentication service unavailable"', async () => {
    const id = server.addIdentity();
    const c = await client('websocket');
    expect((await c.subscribe(id.token, id.accountId, BINDING, { metadata: { desk: 1 } })).status).toBe('success');
    // What no client can send any more: metadata that cannot be serialised, planted in the live session.
    const session = [...server.app.hub.sessions].find((s) => [...s.held.values()].some((h) => h.accountId === id.accountId))!;
    const held = [...session.held.values()][0]!;
    held.metadata!['self'] = held.metadata;
    const listed = await listWebsockets(server.url, id.token, id.accountId);
    expect(listed.status).toBe(500);
    expect(listed.body).toMatchObject({ status: 'error', error: '500', message: 'internal_server_error', data: { message: 'internal server error: the connections could not be listed' } });
    delete held.metadata!['self'];
    expect((await listWebsockets(server.url, id.token, id.accountId)).status).toBe(200);
  });
});

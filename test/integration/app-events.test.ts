// publish_app_event: one client publishes, every client subscribed to a matching binding receives it,
// on another node and through another client generation; KAZOO apps see the same message on `kapps`.
import * as amqp from 'amqplib';
import { connectClient, EnvelopeClient, Generation, SocketIoV4Client } from '../helpers/clients';
import { AMQP_URL } from '../helpers/kazoo';
import { newAccountId } from '../helpers/ids';
import { startTestServer, TestServer, TestIdentity } from '../helpers/server';
import { Client09 } from '../helpers/legacy-client';

let node1: TestServer;
let node2: TestServer;
const open: EnvelopeClient[] = [];

beforeAll(async () => {
  [node1, node2] = await Promise.all([startTestServer(), startTestServer()]);
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});
afterAll(async () => {
  await Promise.all([node1.stop(), node2.stop()]);
});

async function client(server: TestServer, generation: Generation): Promise<EnvelopeClient> {
  const c = await connectClient(generation, server.url);
  open.push(c);
  return c;
}

/** The same account, with a token on each node. */
function account(): { one: TestIdentity; two: TestIdentity } {
  const one = node1.addIdentity();
  return { one, two: node2.addIdentity({ account_id: one.accountId }) };
}

function publishRequest(id: TestIdentity, app: string, event: string, payload: Record<string, unknown>, requestId: string) {
  return { action: 'publish_app_event', auth_token: id.token, request_id: requestId, data: { account_id: id.accountId, app, event, payload } };
}

describe('publish_app_event', () => {
  it('reaches matching subscribers on both nodes and every generation, with the publisher\'s data verbatim', async () => {
    const acct = account();
    const [ws1, v4on2, publisher] = await Promise.all([client(node1, 'websocket'), client(node2, 'socketio-v4'), client(node2, 'socketio-v2')]);
    await ws1.subscribe(acct.one.token, acct.one.accountId, 'app_event.crm.*');
    await v4on2.subscribe(acct.two.token, acct.two.accountId, 'app_event.crm.ticket_updated');

    const payload = { ticketId: 42, Assignee: { userName: 'ann' } };
    const reply = await publisher.request(publishRequest(acct.two, 'crm', 'ticket_updated', payload, 'pub-1'));
    const routingKey = `app_event.${acct.one.accountId}.crm.ticket_updated`;
    expect(reply).toEqual({ action: 'reply', request_id: 'pub-1', status: 'success', data: { published: 'app_event.crm.ticket_updated', routing_key: routingKey } });

    const [onNode1] = await ws1.waitEvents('the app event on node 1', () => true);
    expect(onNode1).toEqual({
      action: 'event',
      subscribed_key: 'app_event.crm.*',
      subscription_key: `app_event.${acct.one.accountId}.crm.*`,
      name: 'ticket_updated',
      routing_key: routingKey,
      data: {
        account_id: acct.one.accountId, app_name: 'crm', app_version: expect.any(String), event_category: 'app_event',
        event_name: 'ticket_updated', msg_id: 'pub-1', data: payload,
      },
    });
    const [onNode2] = await v4on2.waitEvents('the app event on node 2', () => true);
    expect(onNode2!.data).toEqual(onNode1!.data);
    expect(onNode2!.subscribed_key).toBe('app_event.crm.ticket_updated');
    const named = (await (v4on2 as SocketIoV4Client).waitNamed('ticket_updated')) as Record<string, unknown>;
    expect(named['Data']).toEqual(payload);
  });

  it('reaches a KAZOO 3.x page (Socket.IO 0.9) as a named event with the raw message', async () => {
    const acct = account();
    const page = Client09.open(node1.url, 'websocket');
    try {
      await page.connected;
      const [reply] = await page.emitWithAck('subscribe', { account_id: acct.one.accountId, auth_token: acct.one.token, binding: 'app_event.crm.*' });
      expect(reply).toMatchObject({ status: 'success' });
      const publisher = await client(node2, 'websocket');
      expect((await publisher.request(publishRequest(acct.two, 'crm', 'ticket_closed', { id: 9 }, 'p09'))).status).toBe('success');
      expect(await page.waitNamed('ticket_closed')).toMatchObject({ 'Event-Name': 'ticket_closed', 'Msg-ID': 'p09', Data: { id: 9 } });
    } finally {
      page.close();
    }
  });

  it('never reaches another account, and only matching bindings', async () => {
    const alice = account();
    const bob = account();
    const [bobClient, publisher] = await Promise.all([client(node1, 'socketio-v4'), client(node2, 'websocket')]);
    await bobClient.subscribe(bob.one.token, bob.one.accountId, 'app_event.*.*');
    const otherApp = await client(node1, 'websocket');
    await otherApp.subscribe(alice.one.token, alice.one.accountId, 'app_event.billing.*');

    expect((await publisher.request(publishRequest(alice.two, 'crm', 'secret', {}, 'p1'))).status).toBe('success');
    expect((await publisher.request(publishRequest(alice.two, 'billing', 'paid', {}, 'p2'))).status).toBe('success');
    const bobPublisher = await client(node2, 'websocket');
    expect((await bobPublisher.request(publishRequest(bob.two, 'crm', 'sentinel', {}, 'p3'))).status).toBe('success');

    await bobClient.waitEvents('bob\'s sentinel', (e) => e.name === 'sentinel');
    expect(bobClient.events().map((e) => e.name)).toEqual(['sentinel']);
    // crm/secret was published before billing/paid on the same exchange and queue.
    await otherApp.waitEvents('billing.paid', (e) => e.name === 'paid');
    expect(otherApp.events().map((e) => e.name)).toEqual(['paid']);
  });

  it('puts a KAZOO API message on the kapps exchange that any KAZOO app can bind to', async () => {
    const acct = account();
    const connection = await amqp.connect(AMQP_URL);
    try {
      const channel = await connection.createChannel();
      const { queue } = await channel.assertQueue('', { exclusive: true });
      await channel.bindQueue(queue, 'kapps', `app_event.${acct.one.accountId}.#`);
      const got = new Promise<amqp.ConsumeMessage>((resolve) => void channel.consume(queue, (m) => m && resolve(m), { noAck: true }));
      const c = await client(node1, 'websocket');
      await c.request(publishRequest(acct.one, 'crm', 'ticket_updated', { id: 1 }, 'kz-1'));
      const msg = await got;
      expect(msg.fields.routingKey).toBe(`app_event.${acct.one.accountId}.crm.ticket_updated`);
      expect(JSON.parse(msg.content.toString())).toMatchObject({
        'Account-ID': acct.one.accountId, 'App-Name': 'crm', 'Event-Category': 'app_event', 'Event-Name': 'ticket_updated', 'Msg-ID': 'kz-1', Data: { id: 1 },
      });
      expect(msg.properties.contentType).toBe('application/json');
    } finally {
      await connection.close();
    }
  });

  it.each([
    ['an account the token may not see', (id: TestIdentity) => publishRequest({ ...id, accountId: newAccountId() }, 'crm', 'x', {}, 'e1'), 'unauthorized account id'],
    ['every account', (id: TestIdentity) => publishRequest({ ...id, accountId: '*' }, 'crm', 'x', {}, 'e2'), /^invalid message: "account_id" must be one account/],
    ['a bad app name', (id: TestIdentity) => publishRequest(id, 'c r m', 'x', {}, 'e3'), 'invalid message: "app" must be 1 to 64 letters, digits, "_" or "-"'],
    ['no token', (id: TestIdentity) => ({ ...publishRequest(id, 'crm', 'x', {}, 'e4'), auth_token: undefined }), 'authentication token required'],
    ['a missing event', (id: TestIdentity) => ({ action: 'publish_app_event', auth_token: id.token, data: { account_id: id.accountId, app: 'crm' } }), 'missing required keys : event'],
  ])('refuses %s', async (_what, envelope, text) => {
    const acct = account();
    for (const generation of ['websocket', 'socketio-v4'] as Generation[]) {
      const c = await client(node1, generation);
      const reply = await c.request(envelope(acct.one));
      expect(reply.status).toBe('error');
      expect(reply.data.errors![0]).toEqual(typeof text === 'string' ? text : expect.stringMatching(text));
    }
  });
});

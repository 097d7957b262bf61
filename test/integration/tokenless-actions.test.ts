// Actions that need no identity answer without a token on any connection, subscribed or not, as
// KAZOO's keepalive example expects; a token that is sent is still checked, and actions that need an
// identity still refuse a missing token.
import { useBridge } from '../helpers/bridge-fixture';
import { connectClient, EnvelopeClient, Generation } from '../helpers/clients';
import { newCallId } from '../helpers/ids';
import { Client09 } from '../helpers/legacy-client';

const bridge = useBridge();
const BINDING = 'call.CHANNEL_CREATE.*';

async function client(generation: Generation): Promise<EnvelopeClient> {
  return bridge.track(await connectClient(generation, bridge.server.url));
}

describe.each(['websocket', 'socketio-v4', 'socketio-v2'] as const)('%s', (generation) => {
  it('answers ping without a token before and after subscribing', async () => {
    const id = bridge.server.addIdentity();
    const c = await client(generation);
    expect(await c.request({ action: 'ping', request_id: 'fresh' })).toMatchObject({ status: 'success', request_id: 'fresh', data: { response: 'pong' } });
    expect((await c.subscribe(id.token, id.accountId, BINDING)).status).toBe('success');
    expect(await c.request({ action: 'ping' })).toMatchObject({ status: 'success', data: { response: 'pong' } });
    // The subscription is untouched by the keepalives.
    const callId = newCallId();
    await bridge.kazoo.call('CHANNEL_CREATE', id.accountId, callId);
    await c.waitEvents('the event', (e) => e.data['call_id'] === callId);
  });

  it('unsubscribes its own bindings without a token', async () => {
    const id = bridge.server.addIdentity();
    const c = await client(generation);
    expect((await c.subscribe(id.token, id.accountId, BINDING)).status).toBe('success');
    const reply = await c.request({ action: 'unsubscribe', data: { account_id: id.accountId, binding: BINDING } });
    expect(reply).toMatchObject({ status: 'success', data: { unsubscribed: [BINDING], subscribed: [] } });
    const [gone, sentinel] = [newCallId(), newCallId()];
    const watcher = await client(generation);
    expect((await watcher.subscribe(id.token, id.accountId, BINDING)).status).toBe('success');
    await bridge.kazoo.call('CHANNEL_CREATE', id.accountId, gone);
    await bridge.kazoo.call('CHANNEL_CREATE', id.accountId, sentinel);
    await watcher.waitEvents('the sentinel', (e) => e.data['call_id'] === sentinel);
    expect(c.events((e) => e.data['call_id'] === gone)).toEqual([]);
  });

  it('still checks a token that is sent with ping, and still requires one to subscribe, publish or resume', async () => {
    const id = bridge.server.addIdentity();
    const c = await client(generation);
    expect((await c.request({ action: 'ping', auth_token: 'not-a-token' })).data.errors).toEqual(['failed to authenticate token not-a-token']);
    expect((await c.subscribe(id.token, id.accountId, BINDING)).status).toBe('success');
    for (const envelope of [
      { action: 'subscribe', data: { account_id: id.accountId, binding: 'call.CHANNEL_ANSWER.*' } },
      { action: 'publish_app_event', data: { account_id: id.accountId, app: 'crm', event: 'x', payload: {} } },
      { action: 'resume', data: { resume_token: 'abc' } },
      { action: 'api', data: { verb: 'GET', path: `/v2/accounts/${id.accountId}` } },
    ]) {
      expect({ action: envelope.action, reply: (await c.request(envelope)).data.errors }).toEqual({ action: envelope.action, reply: ['authentication token required'] });
    }
  });
});

it('Socket.IO 0.9: ping on message answers without a token, and emit("unsubscribe") needs none', async () => {
  const id = bridge.server.addIdentity();
  const c = bridge.track(Client09.open(bridge.server.url, 'websocket'));
  await c.connected;
  expect(await c.emitWithAck('message', { action: 'ping', request_id: 'p09' })).toEqual([{ action: 'reply', request_id: 'p09', status: 'success', data: { response: 'pong' } }]);
  const [subscribed] = await c.emitWithAck('subscribe', { account_id: id.accountId, auth_token: id.token, binding: BINDING });
  expect(subscribed).toMatchObject({ status: 'success' });
  const [unsubscribed] = await c.emitWithAck('unsubscribe', { account_id: id.accountId, binding: BINDING });
  expect(unsubscribed).toMatchObject({ status: 'success', data: { unsubscribed: [BINDING], subscribed: [] } });
});

// Subscribe → KAZOO publishes → the exact event arrives, through every client generation.
import { useBridge } from '../helpers/bridge-fixture';
import { expectedCallEnvelope } from '../helpers/kazoo';
import { GENERATIONS, connectClient, EnvelopeClient, SocketIoV4Client, SocketIoV2Client } from '../helpers/clients';
import { newCallId } from '../helpers/ids';

const bridge = useBridge();

async function client(generation: (typeof GENERATIONS)[number]): Promise<EnvelopeClient> {
  const c = await connectClient(generation, bridge.server.url);
  bridge.track(c);
  return c;
}

describe.each(GENERATIONS)('%s client', (generation) => {
  it('receives a subscribed call event with the exact KAZOO 4.x envelope', async () => {
    const { token, accountId } = bridge.server.addIdentity();
    const c = await client(generation);
    const reply = await c.subscribe(token, accountId, 'call.CHANNEL_CREATE.*');
    expect(reply).toMatchObject({ action: 'reply', status: 'success', data: { subscribed: ['call.CHANNEL_CREATE.*'] } });

    const callId = newCallId();
    const payload = await bridge.kazoo.call('CHANNEL_CREATE', accountId, callId);
    const [event] = await c.waitEvents('CHANNEL_CREATE', (e) => e.data['call_id'] === callId);
    expect(event).toEqual(expectedCallEnvelope('CHANNEL_CREATE', accountId, callId, payload));
    expect(event!.data).not.toHaveProperty('node');
    expect(event!.data['custom_channel_vars']).toMatchObject({ account_id: accountId });
    // Key order is KAZOO's, byte for byte.
    expect(Object.keys(event!)).toEqual(['action', 'subscribed_key', 'subscription_key', 'name', 'routing_key', 'data']);
  });

  it('stops delivering after unsubscribe', async () => {
    const { token, accountId } = bridge.server.addIdentity();
    const c = await client(generation);
    await c.subscribe(token, accountId, ['call.CHANNEL_CREATE.*', 'call.CHANNEL_DESTROY.*']);
    const reply = await c.unsubscribe(token, accountId, 'call.CHANNEL_CREATE.*');
    expect(reply.data).toEqual({ unsubscribed: ['call.CHANNEL_CREATE.*'], subscribed: ['call.CHANNEL_DESTROY.*'] });

    const callId = newCallId();
    await bridge.kazoo.call('CHANNEL_CREATE', accountId, callId);
    await bridge.kazoo.call('CHANNEL_DESTROY', accountId, callId);
    // The destroy arrives after the create on the same queue: once it is here, the create never will be.
    await c.waitEvents('CHANNEL_DESTROY', (e) => e.data['call_id'] === callId);
    expect(c.events((e) => e.name === 'CHANNEL_CREATE')).toHaveLength(0);
  });
});

describe('Socket.IO named events', () => {
  it.each([
    ['v4', (url: string) => SocketIoV4Client.connect(url)],
    ['v2 (EIO3)', (url: string) => SocketIoV2Client.connect(url)],
  ])('%s: legacy emit("subscribe") gets CHANNEL_CREATE with the raw KAZOO payload', async (_name, connect) => {
    const { token, accountId } = bridge.server.addIdentity();
    const c = await connect(bridge.server.url);
    bridge.track(c);
    c.emitLegacy('subscribe', { account_id: accountId, auth_token: token, binding: 'call.CHANNEL_CREATE.*' });
    await c.nextReply((r) => r.status === 'success');
    const callId = newCallId();
    const payload = await bridge.kazoo.call('CHANNEL_CREATE', accountId, callId);
    const named = await c.waitNamed('CHANNEL_CREATE', (d) => (d as Record<string, unknown>)['Call-ID'] === callId);
    expect(named).toEqual(payload);
  });

  it('EIO3 clients really speak Engine.IO protocol 3', async () => {
    const c = await SocketIoV2Client.connect(bridge.server.url);
    bridge.track(c);
    expect(c.engineProtocol).toBe(3);
  });
});

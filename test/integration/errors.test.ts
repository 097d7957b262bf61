// Every bad input gets a clear error reply in KAZOO's shape, through every client generation, and the
// connection stays usable afterwards (no crash, no closed socket, no lost subscription).
import { useBridge } from '../helpers/bridge-fixture';
import { GENERATIONS, connectClient, EnvelopeClient, SocketIoV4Client, WsClient } from '../helpers/clients';
import { newAccountId, newCallId } from '../helpers/ids';
import type { TestIdentity } from '../helpers/server';

const bridge = useBridge({ maxBindingsPerConnection: 3, maxMessageBytes: 1024 });

type Case = [string, (id: TestIdentity) => Record<string, unknown>, string | RegExp];
const cases: Case[] = [
  ['missing auth_token', (id) => ({ action: 'subscribe', data: { account_id: id.accountId, binding: 'call.*.*' } }), 'authentication token required'],
  ['unknown token', (id) => ({ action: 'subscribe', auth_token: 'nope', data: { account_id: id.accountId, binding: 'call.*.*' } }), 'failed to authenticate token nope'],
  ['account not permitted', () => ({ action: 'subscribe', data: { account_id: newAccountId(), binding: 'call.*.*' } }), 'unauthorized account id'],
  ['wildcard account without superduper', () => ({ action: 'subscribe', data: { account_id: '*', binding: 'call.*.*' } }), 'unauthorized wildcard account id'],
  ['missing data', () => ({ action: 'subscribe' }), 'missing required keys in data object'],
  ['missing binding', (id) => ({ action: 'subscribe', data: { account_id: id.accountId } }), 'missing required keys : binding'],
  ['missing account_id and binding', () => ({ action: 'subscribe', data: { name: 'x' } }), 'missing required keys : account_id, binding'],
  ['unknown binding family', (id) => ({ action: 'subscribe', data: { account_id: id.accountId, binding: 'weather.today.*' } }), 'no available subscriptions to requested binding'],
  ['unsupported event', (id) => ({ action: 'subscribe', data: { account_id: id.accountId, binding: 'call.FOO.*' } }), 'event FOO not supported'],
  ['malformed call binding', (id) => ({ action: 'subscribe', data: { account_id: id.accountId, binding: 'call.CHANNEL_CREATE' } }), 'invalid format for call subscription : CHANNEL_CREATE'],
  ['binding that is not a string', (id) => ({ action: 'subscribe', data: { account_id: id.accountId, binding: ['call.*.*'] } }), /"binding" must be a string/],
  ['malformed account id', () => ({ action: 'subscribe', data: { account_id: 'ACCOUNT', binding: 'call.*.*' } }), /"account_id" must be 32 lowercase hex/],
  ['unknown action', () => ({ action: 'dance' }), /^unknown action dance: expected one of /],
  ['too many bindings', (id) => ({ action: 'subscribe', data: { account_id: id.accountId, bindings: ['call.CHANNEL_CREATE.*', 'call.CHANNEL_ANSWER.*', 'call.CHANNEL_DESTROY.*', 'call.CHANNEL_HOLD.*'] } }), 'too many bindings: at most 3 per connection'],
];

describe.each(GENERATIONS)('%s client', (generation) => {
  let id: TestIdentity;
  let c: EnvelopeClient;

  beforeEach(async () => {
    id = bridge.server.addIdentity();
    c = await connectClient(generation, bridge.server.url);
    bridge.track(c);
  });

  it.each(cases)('%s → error reply', async (_name, build, expected) => {
    const envelope = build(id);
    if (!('auth_token' in envelope) && !String(_name).startsWith('missing auth')) envelope['auth_token'] = id.token;
    const reply = await c.request(envelope);
    expect(reply).toMatchObject({ action: 'reply', status: 'error' });
    expect(Object.keys(reply)).toEqual(['action', 'request_id', 'status', 'data']);
    expect(reply.data.errors).toHaveLength(1);
    expect(reply.data.errors![0]).toEqual(typeof expected === 'string' ? expected : expect.stringMatching(expected));
  });

  it('keeps its subscription and keeps receiving after a burst of bad input', async () => {
    await c.subscribe(id.token, id.accountId, 'call.CHANNEL_CREATE.*');
    for (const [, build] of cases) c.send({ auth_token: id.token, ...build(id) });
    if (c instanceof WsClient || c instanceof SocketIoV4Client) c.send('{not json');
    const after = await c.request({ action: 'ping', auth_token: id.token });
    expect(after.data).toEqual({ response: 'pong' });
    const callId = newCallId();
    await bridge.kazoo.call('CHANNEL_CREATE', id.accountId, callId);
    await c.waitEvents('the event after bad input', (e) => e.data['call_id'] === callId);
  });
});

describe('raw WebSocket specifics', () => {
  it('answers invalid JSON, a non-object and an oversized message with errors, without closing', async () => {
    const c = await WsClient.connect(bridge.server.url.replace('http', 'ws') + '/');
    bridge.track(c);
    c.send('{"action":');
    expect((await c.nextReply()).data.errors![0]).toMatch(/^invalid JSON: /);
    const before = c.inbox.items.length;
    c.send('[1,2]');
    expect((await c.nextReply(() => true, 5000, before)).data.errors![0]).toMatch(/^message must be a JSON object/);
    const before2 = c.inbox.items.length;
    const big = JSON.stringify({ action: 'ping', pad: 'x'.repeat(2000) });
    c.send(big);
    expect((await c.nextReply(() => true, 5000, before2)).data.errors![0]).toBe(`message too large: ${Buffer.byteLength(big)} bytes, at most 1024`);
    expect(c.closeInfo).toBeUndefined();
  });

  it('sends nothing for noop and a fresh 32-hex request_id when none was given', async () => {
    const id = bridge.server.addIdentity();
    const c = await WsClient.connect(bridge.server.url.replace('http', 'ws') + '/');
    bridge.track(c);
    c.send({ action: 'noop' });
    c.send({ action: 'ping', auth_token: id.token });
    const reply = await c.nextReply();
    expect(reply.data).toEqual({ response: 'pong' });
    expect(reply.request_id).toMatch(/^[0-9a-f]{32}$/);
    expect(c.envelopes()).toHaveLength(1);
  });
});

describe('Socket.IO legacy error events (KAZOO 3.x)', () => {
  it('emits auth_failure with the token as cause, and error for other failures', async () => {
    const id = bridge.server.addIdentity();
    const c = await SocketIoV4Client.connect(bridge.server.url);
    bridge.track(c);
    c.emitLegacy('subscribe', { account_id: id.accountId, auth_token: 'bad-token', binding: 'call.*.*' });
    expect(await c.waitNamed('auth_failure')).toEqual({ message: 'invalid auth token', cause: 'bad-token' });
    c.emitLegacy('subscribe', { account_id: id.accountId, auth_token: id.token, binding: 'weather.*' });
    expect(await c.waitNamed('error')).toEqual({ message: 'no available subscriptions to requested binding' });
    expect((await c.nextReply((r) => r.status === 'error')).data.errors![0]).toBe('failed to authenticate token bad-token');
  });

  it('answers an acknowledgement callback with the reply', async () => {
    const id = bridge.server.addIdentity();
    const c = await SocketIoV4Client.connect(bridge.server.url);
    bridge.track(c);
    const reply = await new Promise((resolve) => c.socket.emit('subscribe', { account_id: id.accountId, auth_token: id.token, binding: 'call.CHANNEL_CREATE.*' }, resolve));
    expect(reply).toMatchObject({ action: 'reply', status: 'success', data: { subscribed: ['call.CHANNEL_CREATE.*'] } });
  });
});

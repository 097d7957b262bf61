// Subscription semantics: isolation between accounts, shared rooms and refcounted broker bindings,
// unsubscribe-all, binding vs bindings, duplicates, and the conference and document families.
import { useBridge } from '../helpers/bridge-fixture';
import { connectClient, GENERATIONS, SocketIoV4Client, WsClient } from '../helpers/clients';
import { newCallId } from '../helpers/ids';
import { brokerBindings } from '../helpers/broker';
import { pollUntil } from '../helpers/wait';
import { encodedAccountDb } from '../../src/bindings/families/object';
import { encodeKeyPart } from '../../src/bindings/key-encoding';

// Thousands of commands per connection: KAZOO's per-connection rate limit (100, then 10/s) is off here.
const bridge = useBridge({ maxBindingsPerConnection: 1000, rateLimitPerSecond: 0 });

const ws = async () => {
  const c = await WsClient.connect(bridge.server.url.replace('http', 'ws') + '/');
  bridge.track(c);
  return c;
};

describe('account isolation', () => {
  it.each(GENERATIONS)("%s: account A never receives account B's events, whatever binding A sends", async (generation) => {
    const a = bridge.server.addIdentity();
    const b = bridge.server.addIdentity();
    const c = await connectClient(generation, bridge.server.url);
    bridge.track(c);
    const bindings = ['call.*.*', 'call.CHANNEL_CREATE.*', 'conference.event.*', 'conference.event.*.*.*'.replace('*.*.*', 'conf1.*'), 'object.*.*', 'doc_created.*.user.*', 'call.*.#'];
    for (const binding of bindings) expect((await c.subscribe(a.token, a.accountId, binding)).status).toBe('success');
    // Account B's events on every family…
    const bCall = newCallId();
    await bridge.kazoo.call('CHANNEL_CREATE', b.accountId, bCall);
    await bridge.kazoo.conferenceEvent('add-member', b.accountId, 'conf1', bCall);
    await bridge.kazoo.docChange('doc_created', b.accountId, 'user', 'user-b');
    // …then a sentinel for A on the same exchanges, published last.
    const sentinel = newCallId();
    await bridge.kazoo.docChange('doc_created', a.accountId, 'user', 'user-a');
    await bridge.kazoo.call('CHANNEL_DESTROY', a.accountId, sentinel);
    await c.waitEvents('the sentinel', (e) => e.data['call_id'] === sentinel);
    await c.waitEvents('A\'s own document', (e) => e.data['id'] === 'user-a');
    const leaked = c.events((e) => JSON.stringify(e).includes(b.accountId) || e.data['call_id'] === bCall);
    expect(leaked).toEqual([]);
  });

  it('a token may subscribe for a descendant account and receives its events', async () => {
    const child = bridge.server.addIdentity();
    const parent = bridge.server.addIdentity({ descendants: [child.accountId] });
    const c = await ws();
    expect((await c.subscribe(parent.token, child.accountId, 'call.CHANNEL_CREATE.*')).status).toBe('success');
    const callId = newCallId();
    await bridge.kazoo.call('CHANNEL_CREATE', child.accountId, callId);
    const [event] = await c.waitEvents('the child account event', (e) => e.data['call_id'] === callId);
    expect(event!.subscription_key).toBe(`call.${child.accountId}.CHANNEL_CREATE.*`);
    // …but the child may not look up at its parent.
    expect((await c.subscribe(child.token, parent.accountId, 'call.*.*')).data.errors).toEqual(['unauthorized account id']);
  });

  it('a superduper admin may subscribe for every account with *', async () => {
    const admin = bridge.server.addIdentity({ superduper_admin: true });
    const other = bridge.server.addIdentity();
    const c = await ws();
    expect((await c.subscribe(admin.token, '*', 'call.CHANNEL_ANSWER.*')).status).toBe('success');
    const callId = newCallId();
    await bridge.kazoo.call('CHANNEL_ANSWER', other.accountId, callId);
    const [event] = await c.waitEvents('any account event', (e) => e.data['call_id'] === callId);
    expect(event!.subscription_key).toBe('call.*.CHANNEL_ANSWER.*');
  });
});

describe('shared rooms and broker bindings', () => {
  it('keeps the AMQP binding until the last session leaves, and the other session keeps receiving', async () => {
    const id = bridge.server.addIdentity();
    const [one, two] = [await ws(), await ws()];
    const callId = newCallId();
    // A call id goes into a binding in KAZOO's encoded form (its dots would split the binding).
    const binding = `call.CHANNEL_HOLD.${encodeKeyPart(callId)}`;
    expect((await one.subscribe(id.token, id.accountId, binding)).status).toBe('success');
    expect((await two.subscribe(id.token, id.accountId, binding)).status).toBe('success');
    const amqpKey = `callevt ${binding}`;
    expect(await brokerBindings(bridge.server.app.bus.queueName!)).toContain(amqpKey);

    const sessions = bridge.server.app.hub.sessions.size;
    await one.close();
    await pollUntil('the first session to be gone', () => (bridge.server.app.hub.sessions.size === sessions - 1 ? true : undefined));
    await bridge.kazoo.call('CHANNEL_HOLD', id.accountId, callId);
    await two.waitEvents('the event after the other session left', (e) => e.name === 'CHANNEL_HOLD');
    expect(await brokerBindings(bridge.server.app.bus.queueName!)).toContain(amqpKey);

    await two.unsubscribe(id.token, id.accountId, binding);
    await pollUntil('the binding to leave the broker', async () => ((await brokerBindings(bridge.server.app.bus.queueName!)).includes(amqpKey) ? undefined : true), 10000, 200);
  });

  it('leaks no rooms or bindings after thousands of subscribe/unsubscribe/disconnect cycles', async () => {
    const id = bridge.server.addIdentity();
    const roomsBefore = bridge.server.app.hub.index.roomCount;
    const clients = await Promise.all(Array.from({ length: 10 }, () => ws()));
    for (let round = 0; round < 100; round++) {
      await Promise.all(clients.map(async (c, i) => {
        const binding = `call.CHANNEL_BRIDGE.cycle-${i}-${round % 7}`;
        await c.subscribe(id.token, id.accountId, binding);
        if (round % 2 === 0) await c.unsubscribe(id.token, id.accountId, binding);
        else await c.request({ action: 'unsubscribe', auth_token: id.token });
      }));
    }
    // Half of them disconnect while holding bindings.
    for (const c of clients.slice(0, 5)) await c.subscribe(id.token, id.accountId, ['call.CHANNEL_BRIDGE.x', 'call.PARK_PARKED.*']);
    await Promise.all(clients.map((c) => c.close()));
    await pollUntil('every room to be dropped', () => (bridge.server.app.hub.index.roomCount === roomsBefore ? true : undefined));
    const keys = await brokerBindings(bridge.server.app.bus.queueName!);
    expect(keys.filter((k) => k.includes('cycle-') || k.includes('CHANNEL_BRIDGE.x'))).toEqual([]);
  });
});

describe.each(GENERATIONS)('subscribe and unsubscribe replies (%s)', (generation) => {
  const client = async () => {
    const c = await connectClient(generation, bridge.server.url);
    bridge.track(c);
    return c;
  };

  it('lists each binding once, succeeds without duplicating, and unsubscribes everything with no data', async () => {
    const id = bridge.server.addIdentity();
    const c = await client();
    expect((await c.subscribe(id.token, id.accountId, 'call.*.*')).data.subscribed).toEqual(['call.*.*']);
    expect((await c.subscribe(id.token, id.accountId, 'call.*.*')).data.subscribed).toEqual(['call.*.*']);
    expect((await c.subscribe(id.token, id.accountId, ['conference.event.c1.*', 'object.doc_edited.user'])).data.subscribed).toEqual(['call.*.*', 'conference.event.c1.*', 'object.doc_edited.user']);
    const all = await c.request({ action: 'unsubscribe', auth_token: id.token });
    expect(all.data).toEqual({ unsubscribed: ['call.*.*', 'conference.event.c1.*', 'object.doc_edited.user'], subscribed: [] });
    const callId = newCallId();
    await bridge.kazoo.call('CHANNEL_CREATE', id.accountId, callId);
    // Re-subscribing to a different event proves the queue is live; the earlier event never arrives.
    await c.subscribe(id.token, id.accountId, 'call.CHANNEL_DESTROY.*');
    await bridge.kazoo.call('CHANNEL_DESTROY', id.accountId, callId);
    await c.waitEvents('destroy', (e) => e.name === 'CHANNEL_DESTROY');
    expect(c.events((e) => e.name === 'CHANNEL_CREATE')).toEqual([]);
  });

  it('binding beats bindings when both are sent', async () => {
    const id = bridge.server.addIdentity();
    const c = await client();
    const reply = await c.request({ action: 'subscribe', auth_token: id.token, data: { account_id: id.accountId, binding: 'call.CHANNEL_ANSWER.*', bindings: ['call.CHANNEL_CREATE.*'] } });
    expect(reply.data.subscribed).toEqual(['call.CHANNEL_ANSWER.*']);
  });
});

describe('subscription details', () => {
  it('keeps name and metadata with the subscription', async () => {
    const id = bridge.server.addIdentity();
    const c = await ws();
    await c.subscribe(id.token, id.accountId, 'call.CHANNEL_CREATE.*', { name: 'My new socket', metadata: { test: 'test' } });
    const held = [...bridge.server.app.hub.sessions].flatMap((s) => [...s.held.values()]).find((h) => h.accountId === id.accountId);
    expect(held).toMatchObject({ binding: 'call.CHANNEL_CREATE.*', name: 'My new socket', metadata: { test: 'test' } });
  });

  it('an event matching two bindings arrives once per binding on message, and once as a named event', async () => {
    const id = bridge.server.addIdentity();
    const c = await SocketIoV4Client.connect(bridge.server.url);
    bridge.track(c);
    await c.subscribe(id.token, id.accountId, ['call.*.*', 'call.CHANNEL_CREATE.*']);
    const callId = newCallId();
    await bridge.kazoo.call('CHANNEL_CREATE', id.accountId, callId);
    await bridge.kazoo.call('CHANNEL_DESTROY', id.accountId, callId);
    const events = await c.waitEvents('create twice', (e) => e.name === 'CHANNEL_CREATE', 2);
    expect(events.map((e) => e.subscribed_key).sort()).toEqual(['call.*.*', 'call.CHANNEL_CREATE.*']);
    await c.waitNamed('CHANNEL_DESTROY');
    expect(c.named('CHANNEL_CREATE')).toHaveLength(1);
  });
});

describe('conference and document events', () => {
  it('delivers conference events for every Monster UI spelling, with the client binding echoed byte for byte', async () => {
    const id = bridge.server.addIdentity();
    const c = await ws();
    const spellings = ['conference.event.confA.*', 'conference.event.*.confA.*', 'conference.event.confA.*.add-member'];
    for (const s of spellings) await c.subscribe(id.token, id.accountId, s);
    await bridge.kazoo.conferenceEvent('add-member', id.accountId, 'confA', 'caller-1');
    const events = await c.waitEvents('three envelopes', (e) => e.data['event'] === 'add-member', 3);
    expect(events.map((e) => e.subscribed_key).sort()).toEqual([...spellings].sort());
    expect(events[0]).toMatchObject({ name: 'event', routing_key: `conference.event.add-member.${id.accountId}.confA.caller-1` });
  });

  it('encodes a raw participant call id in a conference binding, as for call bindings', async () => {
    const id = bridge.server.addIdentity();
    const c = await ws();
    const binding = 'conference.event.confB.caller-2@pbx';
    expect((await c.subscribe(id.token, id.accountId, binding)).status).toBe('success');
    await bridge.kazoo.conferenceEvent('add-member', id.accountId, 'confB', 'caller-2@pbx');
    const [event] = await c.waitEvents('the participant event', (e) => e.data['call_id'] === 'caller-2@pbx');
    expect(event).toMatchObject({ subscribed_key: binding, routing_key: `conference.event.add-member.${id.accountId}.confB.caller-2%40pbx` });
  });

  it('delivers document changes to object.* and to the seed spelling doc_created.*.user.*', async () => {
    const id = bridge.server.addIdentity();
    const c = await ws();
    await c.subscribe(id.token, id.accountId, ['object.doc_created.user', 'doc_created.*.user.*']);
    await bridge.kazoo.docChange('doc_created', id.accountId, 'user', 'u1');
    const events = await c.waitEvents('two envelopes', (e) => e.data['id'] === 'u1', 2);
    expect(events.map((e) => e.subscribed_key).sort()).toEqual(['doc_created.*.user.*', 'object.doc_created.user']);
    expect(events[0]).toMatchObject({
      name: 'doc_created',
      subscription_key: `doc_created.${encodedAccountDb(id.accountId)}.user.*`,
      routing_key: `doc_created.${encodedAccountDb(id.accountId)}.user.u1`,
    });
  });

  it('names document events for Socket.IO pages as KAZOO 3.x did (doc_edited_user)', async () => {
    const id = bridge.server.addIdentity();
    const c = await SocketIoV4Client.connect(bridge.server.url);
    bridge.track(c);
    c.emitLegacy('subscribe', { account_id: id.accountId, auth_token: id.token, binding: 'doc_edited.*.user.*' });
    await c.nextReply((r) => r.status === 'success');
    const payload = await bridge.kazoo.docChange('doc_edited', id.accountId, 'user', 'u2');
    expect(await c.waitNamed('doc_edited_user')).toEqual(payload);
  });
});

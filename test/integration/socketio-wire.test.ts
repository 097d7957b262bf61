// Socket.IO events are written around socket.io's broadcast (each packet encoded once, a websocket
// client's packets in one write): what a client receives must be what socket.io's own emit would give
// it, on every Engine.IO transport and protocol, in order, with commands' replies in between. The
// named event's payload is KAZOO's body as received, so it must parse to the payload on every client.
import { useBridge } from '../helpers/bridge-fixture';
import { SocketIoV2Client, SocketIoV4Client } from '../helpers/clients';
import { newCallId } from '../helpers/ids';
import type { Received } from '../helpers/inbox';
import { Client09 } from '../helpers/legacy-client';
import { callEvent } from '../../src/simulator/kazoo-events';
import { encodeKeyPart } from '../../src/bindings/key-encoding';

const bridge = useBridge();

const CLIENTS = [
  ['v4 over websocket', () => SocketIoV4Client.connect(bridge.server.url, ['websocket'])],
  ['v4 over polling', () => SocketIoV4Client.connect(bridge.server.url, ['polling'])],
  ['v4 upgraded from polling', () => SocketIoV4Client.connect(bridge.server.url, ['polling', 'websocket'])],
  ['v2 (EIO3) over websocket', () => SocketIoV2Client.connect(bridge.server.url, ['websocket'])],
  ['v2 (EIO3) over polling', () => SocketIoV2Client.connect(bridge.server.url, ['polling'])],
] as const;

function callIdOf(item: Received): unknown {
  const data = item.data as Record<string, unknown> | undefined;
  if (item.name === 'message') return (data?.['data'] as Record<string, unknown> | undefined)?.['call_id'];
  return data?.['Call-ID'];
}

describe.each(CLIENTS)('%s', (_name, connect) => {
  it('gets the named event once and one message per matching binding, in that order', async () => {
    const { token, accountId } = bridge.server.addIdentity();
    const c = bridge.track(await connect());
    const reply = await c.subscribe(token, accountId, ['call.CHANNEL_CREATE.*', 'call.*.*']);
    expect(reply.status).toBe('success');

    const callId = newCallId();
    const payload = await bridge.kazoo.call('CHANNEL_CREATE', accountId, callId);
    await c.waitEvents('both messages', (e) => e.data['call_id'] === callId, 2);
    const seen = c.inbox.filter((i) => callIdOf(i) === callId);
    expect(seen.map((i) => i.name)).toEqual(['CHANNEL_CREATE', 'message', 'message']);
    expect(seen[0]!.data).toEqual(payload);
    const keys = seen.slice(1).map((i) => (i.data as Record<string, unknown>)['subscribed_key']);
    expect(keys.sort()).toEqual(['call.*.*', 'call.CHANNEL_CREATE.*']);
  });

  it('keeps publish order for a burst of events while its commands are answered', async () => {
    const { token, accountId } = bridge.server.addIdentity();
    const c = bridge.track(await connect());
    await c.subscribe(token, accountId, 'call.CHANNEL_CREATE.*');

    const callIds = Array.from({ length: 150 }, () => newCallId());
    const published = Promise.all(callIds.map((id) => bridge.kazoo.call('CHANNEL_CREATE', accountId, id)));
    // Replies go through Engine.IO's own buffer while events are written around it.
    const replies = Promise.all(Array.from({ length: 10 }, (_, k) => c.subscribe(token, accountId, `call.CHANNEL_DESTROY.${k}`)));
    await published;
    expect((await replies).every((r) => r.status === 'success')).toBe(true);

    const messages = await c.waitEvents('every message', (e) => callIds.includes(e.data['call_id'] as string), callIds.length, 10_000);
    expect(messages.map((e) => e.data['call_id'])).toEqual(callIds);
    const named = c.inbox.filter((i) => i.name === 'CHANNEL_CREATE').map(callIdOf);
    expect(named).toEqual(callIds);
  });
});

it('a v4 client stores each event offset for recovery, distinct per packet', async () => {
  const { token, accountId } = bridge.server.addIdentity();
  const c = bridge.track(await SocketIoV4Client.connect(bridge.server.url));
  const offsets: unknown[] = [];
  c.socket.onAny((_name: string, ...args: unknown[]) => offsets.push(args[args.length - 1]));
  await c.subscribe(token, accountId, 'call.CHANNEL_CREATE.*');
  offsets.length = 0;
  const callId = newCallId();
  await bridge.kazoo.call('CHANNEL_CREATE', accountId, callId);
  await c.waitEvents('the message', (e) => e.data['call_id'] === callId);
  expect(offsets).toHaveLength(2);
  expect(offsets.every((o) => typeof o === 'string')).toBe(true);
  expect(new Set(offsets).size).toBe(2);
});

describe('the named event carries the body as KAZOO encoded it', () => {
  // Erlang's encoder escapes differently from JSON.stringify; pretty-printing stands in for any spacing.
  function kazooBody(accountId: string, callId: string): { body: Buffer; payload: Record<string, unknown> } {
    const payload = { ...callEvent('CHANNEL_CREATE', accountId, callId), 'Caller-ID-Name': 'Zoë ☎ "Front desk"', 'Hold-Music': ['a', null, 2.5] };
    const text = JSON.stringify(payload, null, 2).replace('Zoë', 'Zo\\u00eb');
    return { body: Buffer.from(text, 'utf8'), payload };
  }

  it.each([
    ['v4', () => SocketIoV4Client.connect(bridge.server.url)],
    ['v2 (EIO3)', () => SocketIoV2Client.connect(bridge.server.url)],
  ] as const)('%s client parses it to the same payload', async (_name, connect) => {
    const { token, accountId } = bridge.server.addIdentity();
    const c = bridge.track(await connect());
    await c.subscribe(token, accountId, 'call.CHANNEL_CREATE.*');
    const callId = newCallId();
    const { body, payload } = kazooBody(accountId, callId);
    await bridge.kazoo.publishBody('callevt', `call.CHANNEL_CREATE.${encodeKeyPart(callId)}`, body);
    expect(await c.waitNamed('CHANNEL_CREATE', (d) => (d as Record<string, unknown>)['Call-ID'] === callId)).toEqual(payload);
  });

  it('0.9 client parses it to the same payload', async () => {
    const { token, accountId } = bridge.server.addIdentity();
    const c = bridge.track(Client09.open(bridge.server.url, 'websocket'));
    await c.connected;
    c.socket.emit('subscribe', { account_id: accountId, auth_token: token, binding: 'call.CHANNEL_CREATE.*' });
    await c.waitNamed('message', (m) => (m as Record<string, unknown>)['status'] === 'success');
    const callId = newCallId();
    const { body, payload } = kazooBody(accountId, callId);
    await bridge.kazoo.publishBody('callevt', `call.CHANNEL_CREATE.${encodeKeyPart(callId)}`, body);
    expect(await c.waitNamed('CHANNEL_CREATE', (d) => (d as Record<string, unknown>)['Call-ID'] === callId)).toEqual(payload);
  });
});

describe.each(['websocket', 'xhr-polling'] as const)('0.9 client over %s', (transport) => {
  it('keeps publish order for a burst of events while its commands are answered', async () => {
    const { token, accountId } = bridge.server.addIdentity();
    const c = bridge.track(Client09.open(bridge.server.url, transport));
    await c.connected;
    await c.emitWithAck('subscribe', { account_id: accountId, auth_token: token, binding: 'call.CHANNEL_CREATE.*' });

    const callIds = Array.from({ length: 150 }, () => newCallId());
    const published = Promise.all(callIds.map((id) => bridge.kazoo.call('CHANNEL_CREATE', accountId, id)));
    const acks = Promise.all(Array.from({ length: 10 }, (_, k) => c.emitWithAck('subscribe', { account_id: accountId, auth_token: token, binding: `call.CHANNEL_DESTROY.${k}` })));
    await published;
    expect((await acks).every(([reply]) => (reply as Record<string, unknown>)['status'] === 'success')).toBe(true);

    const isOurs = (i: Received) => callIds.includes(callIdOf(i) as string);
    await c.inbox.waitCount('every message', (i) => i.name === 'message' && isOurs(i), callIds.length, 10_000);
    expect(c.inbox.filter((i) => i.name === 'message' && isOurs(i)).map(callIdOf)).toEqual(callIds);
    expect(c.inbox.filter((i) => i.name === 'CHANNEL_CREATE').map(callIdOf)).toEqual(callIds);
  });
});

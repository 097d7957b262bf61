// The client library against the real bridge and RabbitMQ in Node: subscribe before open, shared
// subscriptions, reconnect after a server restart, resume after a drop, token rotation, isolation.
import fs from 'node:fs';
import WebSocket from 'ws';
import { EventHorizonClient, EventEnvelope, ReplyError, ClientOptions } from '../src';
import { useBridge } from '../../test/helpers/bridge-fixture';
import { startTestServer, TestServer } from '../../test/helpers/server';
import { newCallId, newToken } from '../../test/helpers/ids';
import { TcpProxy } from '../../test/helpers/tcp-proxy';
import { pollUntil } from '../../test/helpers/wait';

const bridge = useBridge();
const open: EventHorizonClient[] = [];
afterEach(() => open.splice(0).forEach((c) => c.close()));

function client(url: string, getToken: ClientOptions['getToken'], extra: Partial<ClientOptions> = {}): EventHorizonClient {
  const c = new EventHorizonClient({ url, getToken, WebSocket: WebSocket as unknown as ClientOptions['WebSocket'], backoff: { initialMs: 50, maxMs: 400 }, ...extra });
  open.push(c);
  return c;
}

const wsUrl = (httpUrl: string) => httpUrl.replace(/^http/, 'ws') + '/';

function collect(list: EventEnvelope[]) {
  return (e: EventEnvelope) => list.push(e);
}

function callIdsOf(list: EventEnvelope[]): string[] {
  return list.map((e) => String(e.data['call_id']));
}

describe('the client library', () => {
  it('subscribes a binding made before the socket opens, and two handlers share one server subscription', async () => {
    const id = bridge.server.addIdentity();
    const c = client(wsUrl(bridge.server.url), () => id.token);
    const first: EventEnvelope[] = [];
    const second: EventEnvelope[] = [];
    const frames: string[] = [];
    c.on('frame', (f) => f.direction === 'out' && frames.push(f.text));
    const off1 = c.subscribe(id.accountId, 'call.CHANNEL_CREATE.*', (e) => {
      // Typed: a CHANNEL_CREATE handler reads the caller without a cast.
      const caller: string = e.data.caller_id_number;
      first.push({ ...e, data: { ...e.data, caller } });
    });
    const off2 = c.subscribe(id.accountId, 'call.CHANNEL_CREATE.*', collect(second));
    c.connect();
    await Promise.all([off1.ready, off2.ready]);
    expect(frames.filter((f) => f.includes('"action":"subscribe"'))).toHaveLength(1);

    const callId = newCallId();
    await bridge.kazoo.call('CHANNEL_CREATE', id.accountId, callId);
    await pollUntil('both handlers to get the event', () => (first.length === 1 && second.length === 1 ? true : undefined));
    expect(first[0]!.data['caller']).toEqual(expect.any(String));
    expect(first[0]!.name).toBe('CHANNEL_CREATE');

    off1();
    expect(frames.some((f) => f.includes('"action":"unsubscribe"'))).toBe(false);
    off2();
    await pollUntil('the unsubscribe', () => (frames.some((f) => f.includes('"action":"unsubscribe"')) ? true : undefined));
    expect(await c.ping()).toBeGreaterThanOrEqual(0);
  });

  it('rejects a refused subscription with a typed error reply and keeps the others', async () => {
    const id = bridge.server.addIdentity();
    const other = bridge.server.addIdentity();
    const c = client(wsUrl(bridge.server.url), () => id.token).connect();
    const refused = c.subscribe(other.accountId, 'call.*.*', () => undefined);
    await expect(refused.ready).rejects.toMatchObject({ name: 'ReplyError', kind: 'unauthorized', errors: ['unauthorized account id'] });
    const bad = c.subscribe(id.accountId, 'call.NOPE.*', () => undefined);
    await expect(bad.ready).rejects.toBeInstanceOf(ReplyError);
    await expect(c.subscribe(id.accountId, 'call.*.*', () => undefined).ready).resolves.toBeUndefined();
  });

  it('keeps accounts apart: a client sees only its own account, even with the same binding', async () => {
    const alice = bridge.server.addIdentity();
    const bob = bridge.server.addIdentity();
    const a = client(wsUrl(bridge.server.url), () => alice.token).connect();
    const b = client(wsUrl(bridge.server.url), () => bob.token).connect();
    const seenA: EventEnvelope[] = [];
    const seenB: EventEnvelope[] = [];
    await a.subscribe(alice.accountId, 'call.*.*', collect(seenA)).ready;
    await b.subscribe(bob.accountId, 'call.*.*', collect(seenB)).ready;
    const callA = newCallId();
    const callB = newCallId();
    await bridge.kazoo.call('CHANNEL_CREATE', alice.accountId, callA);
    await bridge.kazoo.call('CHANNEL_CREATE', bob.accountId, callB);
    await pollUntil('both events', () => (seenA.length >= 1 && seenB.length >= 1 ? true : undefined));
    await a.ping();
    await b.ping();
    expect(callIdsOf(seenA)).toEqual([callA]);
    expect(callIdsOf(seenB)).toEqual([callB]);
  });

  it('routes by account when one connection holds the same binding for two accounts', async () => {
    const parent = bridge.server.addIdentity();
    const child = bridge.server.addIdentity();
    const reseller = bridge.server.addIdentity({ descendants: [parent.accountId, child.accountId] });
    const c = client(wsUrl(bridge.server.url), () => reseller.token).connect();
    const seenParent: EventEnvelope[] = [];
    const seenChild: EventEnvelope[] = [];
    await c.subscribe(parent.accountId, 'call.CHANNEL_CREATE.*', collect(seenParent)).ready;
    await c.subscribe(child.accountId, 'call.CHANNEL_CREATE.*', collect(seenChild)).ready;
    const callP = newCallId();
    const callC = newCallId();
    await bridge.kazoo.call('CHANNEL_CREATE', parent.accountId, callP);
    await bridge.kazoo.call('CHANNEL_CREATE', child.accountId, callC);
    await pollUntil('both events', () => (seenParent.length >= 1 && seenChild.length >= 1 ? true : undefined));
    await c.ping();
    expect(callIdsOf(seenParent)).toEqual([callP]);
    expect(callIdsOf(seenChild)).toEqual([callC]);
  });

  it('asks getToken() again when the server refuses the token, and retries with the new one', async () => {
    const id = bridge.server.addIdentity();
    let current = id.token;
    const asked: string[] = [];
    const c = client(wsUrl(bridge.server.url), async () => {
      asked.push(current);
      return current;
    }).connect();
    const created: EventEnvelope[] = [];
    await c.subscribe(id.accountId, 'call.CHANNEL_CREATE.*', collect(created)).ready;
    expect(asked).toEqual([id.token]);

    // Rotate: the old token stops working, a new one for the same account takes its place.
    const rotated = newToken();
    const file = JSON.parse(fs.readFileSync(bridge.server.tokensFile, 'utf8')) as { tokens: Record<string, unknown> };
    file.tokens[rotated] = file.tokens[id.token];
    delete file.tokens[id.token];
    fs.writeFileSync(bridge.server.tokensFile, JSON.stringify(file));
    bridge.server.app.authenticator.reload?.();
    current = rotated;

    const seen: EventEnvelope[] = [];
    await c.subscribe(id.accountId, 'call.CHANNEL_ANSWER.*', collect(seen)).ready;
    // Asked on the refused subscribe, and again when the server ended the old token's subscriptions.
    expect(asked[0]).toBe(id.token);
    expect(asked.slice(1)).toEqual(expect.arrayContaining([rotated]));
    expect(asked.slice(1).every((t) => t === rotated)).toBe(true);
    const callId = newCallId();
    await pollUntil('the old subscription back under the new token', async () => {
      await bridge.kazoo.call('CHANNEL_CREATE', id.accountId, newCallId());
      return created.length > 0 ? true : undefined;
    });
    await bridge.kazoo.call('CHANNEL_ANSWER', id.accountId, callId);
    await pollUntil('the event after rotation', () => (seen.length === 1 ? true : undefined));
  });

  it('resumes after a drop: the events published while disconnected arrive, none twice', async () => {
    const id = bridge.server.addIdentity();
    const proxy = await TcpProxy.start(bridge.server.app.port);
    try {
      const c = client(`ws://127.0.0.1:${proxy.port}/`, () => id.token).connect();
      const seen: EventEnvelope[] = [];
      const restored: Array<{ resumed: boolean; missed: number }> = [];
      c.on('restored', (r) => restored.push(r));
      await c.subscribe(id.accountId, 'call.CHANNEL_CREATE.*', collect(seen)).ready;
      const live = newCallId();
      await bridge.kazoo.call('CHANNEL_CREATE', id.accountId, live);
      await pollUntil('the live event', () => (seen.length === 1 ? true : undefined));

      proxy.setRefusing(true);
      proxy.cutAll();
      const hub = bridge.server.app.hub;
      await pollUntil('the bridge to park the session', () => (bridge.server.app.recovery.parkedCount > 0 ? true : undefined));
      const before = hub.counters.matched;
      const missed = [newCallId(), newCallId(), newCallId()];
      for (const callId of missed) await bridge.kazoo.call('CHANNEL_CREATE', id.accountId, callId);
      await pollUntil('the bridge to receive the missed events', () => (hub.counters.matched - before >= 3 ? true : undefined));
      proxy.setRefusing(false);

      await pollUntil('the resume', () => (restored.length > 0 ? true : undefined), 8000);
      expect(restored[0]).toMatchObject({ resumed: true, missed: 3 });
      await pollUntil('the missed events', () => (seen.length === 4 ? true : undefined));
      const after = newCallId();
      await bridge.kazoo.call('CHANNEL_CREATE', id.accountId, after);
      await pollUntil('the next live event', () => (seen.length === 5 ? true : undefined));
      expect(callIdsOf(seen)).toEqual([live, ...missed, after]);
    } finally {
      await proxy.close();
    }
  });
});

describe('the client library across a server restart', () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  it('reconnects with backoff, asks for the token again and re-subscribes everything', async () => {
    server = await startTestServer();
    const id = server.addIdentity();
    const asked: number[] = [];
    const c = client(wsUrl(server.url), () => {
      asked.push(Date.now());
      return id.token;
    }).connect();
    const closes: number[] = [];
    const retries: number[] = [];
    c.on('close', (info) => closes.push(info.code));
    c.on('reconnecting', (r) => retries.push(r.delayMs));
    const seen: EventEnvelope[] = [];
    await c.subscribe(id.accountId, ['call.CHANNEL_CREATE.*', 'call.CHANNEL_DESTROY.*'], collect(seen)).ready;

    const port = server.app.port;
    await server.stop();
    await pollUntil('the client to notice', () => (c.state === 'reconnecting' ? true : undefined));
    expect(closes[0]).toBe(1001);
    server = await startTestServer({ port }, { [id.token]: { account_id: id.accountId } });
    const restored = await new Promise<{ resumed: boolean; bindings: string[] }>((resolve) => c.once('restored', resolve));
    expect(restored).toMatchObject({ resumed: false, bindings: ['call.CHANNEL_CREATE.*', 'call.CHANNEL_DESTROY.*'] });
    expect(asked.length).toBeGreaterThanOrEqual(2);
    expect(retries.every((d) => d > 0 && d <= 400)).toBe(true);

    const callId = newCallId();
    await bridge.kazoo.call('CHANNEL_CREATE', id.accountId, callId);
    await bridge.kazoo.call('CHANNEL_DESTROY', id.accountId, callId);
    await pollUntil('both events after the restart', () => (seen.length === 2 ? true : undefined));
    expect(seen.map((e) => e.name)).toEqual(['CHANNEL_CREATE', 'CHANNEL_DESTROY']);
  });
});

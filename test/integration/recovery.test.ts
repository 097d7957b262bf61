// Missed-event recovery: a raw WebSocket client that lost its connection resumes with the token from its
// subscribe reply and gets the missed events in order, once; Socket.IO v4 recovers its connection state.
import { useBridge } from '../helpers/bridge-fixture';
import { io as ioV4, Socket } from 'socket.io-client';
import { WsClient, EventMessage } from '../helpers/clients';
import { expectedCallEnvelope } from '../helpers/kazoo';
import { newCallId } from '../helpers/ids';
import { pollUntil } from '../helpers/wait';

const bridge = useBridge({ recoveryWindowMs: 1500 });

async function ws(): Promise<WsClient> {
  const c = await WsClient.connect(bridge.server.url.replace('http', 'ws') + '/');
  bridge.track(c);
  return c;
}

/** Drops the TCP connection without a close frame, as a network cut does. */
async function cut(c: WsClient): Promise<void> {
  const sessions = bridge.server.app.hub.sessions.size;
  c.socket.terminate();
  await pollUntil('the server to see the connection gone', () => (bridge.server.app.hub.sessions.size === sessions - 1 ? true : undefined));
}

describe('raw WebSocket resume', () => {
  it('hands the subscriptions to the new connection and replays the missed events in order, without duplicates', async () => {
    const id = bridge.server.addIdentity();
    const callId = newCallId();
    const first = await ws();
    const reply = await first.subscribe(id.token, id.accountId, ['call.CHANNEL_CREATE.*', 'call.CHANNEL_ANSWER.*']);
    // Extra key only: `subscribed` stays exactly what KAZOO clients read.
    expect(reply.data.subscribed).toEqual(['call.CHANNEL_CREATE.*', 'call.CHANNEL_ANSWER.*']);
    const token = reply.data['resume_token'] as string;
    expect(token).toMatch(/^[0-9a-f]{32}$/);
    await bridge.kazoo.call('CHANNEL_CREATE', id.accountId, callId, { Seq: 0 });
    await first.waitEvents('the live event', (e) => e.data['call_id'] === callId);

    await cut(first);
    const hub = bridge.server.app.hub;
    const matchedBefore = hub.counters.matched;
    for (let seq = 1; seq <= 4; seq++) await bridge.kazoo.call(seq % 2 ? 'CHANNEL_ANSWER' : 'CHANNEL_CREATE', id.accountId, callId, { Seq: seq });
    // The broker's confirm says the events are queued, not that the bridge has them: wait for that, so
    // all four are missed ones (one still in the queue at resume would arrive live, which is also right).
    await pollUntil('the bridge to receive the four events', () => (hub.counters.matched - matchedBefore >= 4 ? true : undefined));

    const second = await ws();
    const resumed = await second.request({ action: 'resume', auth_token: id.token, data: { resume_token: token } });
    expect(resumed.status).toBe('success');
    expect(resumed.data).toMatchObject({ subscribed: ['call.CHANNEL_CREATE.*', 'call.CHANNEL_ANSWER.*'], recovered: true, missed: 4 });
    expect(resumed.data['resume_token']).not.toBe(token);
    await bridge.kazoo.call('CHANNEL_CREATE', id.accountId, callId, { Seq: 5 });
    const events = await second.waitEvents('the missed events and the next live one', (e) => e.data['call_id'] === callId, 5);
    expect(events.map((e: EventMessage) => e.data['seq'])).toEqual([1, 2, 3, 4, 5]);
    expect(events.map((e) => e.name)).toEqual(['CHANNEL_ANSWER', 'CHANNEL_CREATE', 'CHANNEL_ANSWER', 'CHANNEL_CREATE', 'CHANNEL_CREATE']);
    // The reply comes before the replayed events.
    const frames = second.envelopes() as Array<{ action: string }>;
    expect(frames.findIndex((f) => f.action === 'reply')).toBeLessThan(frames.findIndex((f) => f.action === 'event'));
    // Nothing more arrives: no duplicates.
    await bridge.kazoo.call('CHANNEL_ANSWER', id.accountId, callId, { Seq: 6 });
    await second.waitEvents('the last event', (e) => e.data['seq'] === 6);
    expect(second.events((e) => e.data['call_id'] === callId)).toHaveLength(6);
  });

  it('refuses a token that expired, was used, or belongs to a deliberate close', async () => {
    const id = bridge.server.addIdentity();
    const a = await ws();
    const tokenA = (await a.subscribe(id.token, id.accountId, 'call.CHANNEL_CREATE.*')).data['resume_token'] as string;
    await a.close(); // a close frame: the client meant to leave
    const b = await ws();
    const tokenB = (await b.subscribe(id.token, id.accountId, 'call.CHANNEL_CREATE.*')).data['resume_token'] as string;
    await cut(b);
    const c = await ws();
    expect((await c.request({ action: 'resume', auth_token: id.token, data: { resume_token: tokenA } })).data.errors).toEqual(['resume token unknown or expired: subscribe again']);
    expect((await c.request({ action: 'resume', auth_token: id.token, data: { resume_token: tokenB } })).status).toBe('success');
    const d = await ws();
    expect((await d.request({ action: 'resume', auth_token: id.token, data: { resume_token: tokenB } })).data.errors).toEqual(['resume token unknown or expired: subscribe again']);
    expect((await d.request({ action: 'resume', auth_token: id.token, data: {} })).data.errors).toEqual(['missing required keys : resume_token']);

    const e = await ws();
    const tokenE = (await e.subscribe(id.token, id.accountId, 'call.CHANNEL_DESTROY.*')).data['resume_token'] as string;
    await cut(e);
    const rooms = bridge.server.app.hub.index.roomCount;
    // Past the window (1.5 s here) the parked subscriptions are dropped.
    await pollUntil('the parked session to expire', () => (bridge.server.app.hub.index.roomCount < rooms ? true : undefined), 4000);
    expect((await d.request({ action: 'resume', auth_token: id.token, data: { resume_token: tokenE } })).data.errors).toEqual(['resume token unknown or expired: subscribe again']);
  });

  it('refuses to resume with a token that may not see the account', async () => {
    const owner = bridge.server.addIdentity();
    const stranger = bridge.server.addIdentity();
    const a = await ws();
    const token = (await a.subscribe(owner.token, owner.accountId, 'call.CHANNEL_CREATE.*')).data['resume_token'] as string;
    await cut(a);
    const b = await ws();
    expect((await b.request({ action: 'resume', auth_token: stranger.token, data: { resume_token: token } })).data.errors).toEqual(['unauthorized account id']);
  });
});

describe('Socket.IO v4 connection-state recovery', () => {
  it('restores rooms and replays what the client missed while its transport was down', async () => {
    const id = bridge.server.addIdentity();
    const callId = newCallId();
    const socket: Socket = ioV4(bridge.server.url, { transports: ['websocket'], forceNew: true, reconnectionDelay: 100, reconnectionDelayMax: 200 });
    const seen: number[] = [];
    const payloads: unknown[] = [];
    socket.on('CHANNEL_CREATE', (payload: { Seq: number; 'Call-ID': string }) => {
      if (payload['Call-ID'] === callId) {
        seen.push(payload.Seq);
        payloads.push(payload);
      }
    });
    const envelopes: Array<{ data: { seq: number } }> = [];
    socket.on('message', (m: { action?: string; data?: { call_id?: string; seq: number } }) => {
      if (m.action === 'event' && m.data?.call_id === callId) envelopes.push(m as { data: { seq: number } });
    });
    const published: unknown[] = [];
    try {
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      const reply = await socket.emitWithAck('subscribe', { account_id: id.accountId, auth_token: id.token, binding: 'call.CHANNEL_CREATE.*' });
      expect(reply).toMatchObject({ status: 'success' });
      // One event first: the client needs an offset to recover from.
      published.push(await bridge.kazoo.call('CHANNEL_CREATE', id.accountId, callId, { Seq: 0 }));
      await pollUntil('the first event', () => (seen.length === 1 ? true : undefined));

      const sessions = bridge.server.app.hub.sessions.size;
      const reconnected = new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      socket.io.engine.close(); // "transport close": the client reconnects by itself
      await pollUntil('the server to see the transport gone', () => (bridge.server.app.hub.sessions.size === sessions - 1 ? true : undefined));
      for (let seq = 1; seq <= 3; seq++) published.push(await bridge.kazoo.call('CHANNEL_CREATE', id.accountId, callId, { Seq: seq }));
      await reconnected;
      expect(socket.recovered).toBe(true);
      published.push(await bridge.kazoo.call('CHANNEL_CREATE', id.accountId, callId, { Seq: 4 }));
      await pollUntil('every event', () => (seen.length >= 5 && envelopes.length >= 5 ? true : undefined));
      expect(seen).toEqual([0, 1, 2, 3, 4]);
      // Replayed packets are the ones sent live: the payload as published, and the envelope on `message`.
      expect(payloads).toEqual(published);
      expect(envelopes.map((e) => e.data.seq)).toEqual([0, 1, 2, 3, 4]);
      expect(envelopes[2]).toEqual(expectedCallEnvelope('CHANNEL_CREATE', id.accountId, callId, published[2] as Record<string, unknown>));
      expect([...bridge.server.app.hub.sessions].some((s) => s.held.size === 1 && s.transport.generation === 'socketio')).toBe(true);
    } finally {
      socket.close();
    }
  });
});

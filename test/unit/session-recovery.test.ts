// SessionRecovery over a real hub and an in-memory bus: a dropped raw WebSocket connection's subscriptions
// are parked for the window, and `resume` moves them (and the events missed meanwhile) to the new one.
import pino from 'pino';
import type { Identity } from '../../src/auth/authenticator';
import type { Session } from '../../src/hub/session';
import { recoveryStore } from '../../src/recovery/recovery-store';
import { SessionRecovery } from '../../src/recovery/session-recovery';
import { successReply, type Reply } from '../../src/protocol/replies';
import { planner } from '../helpers/catalogue-plans';
import { callEvent, EnvelopeWriter, memoryFanout, memoryHub, RecordingTransport } from '../helpers/memory-hub';
import { pollUntil } from '../helpers/wait';

const A = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const IDENTITY: Identity = { accountId: A, descendants: new Set(), superduper: false };
const BINDING = 'call.CHANNEL_CREATE.*';
const logger = pino({ level: 'silent' });

function setUp(opts: { windowMs?: number; maxEvents?: number; authorize?: () => Promise<string | undefined> } = {}) {
  const windowMs = opts.windowMs ?? 60_000;
  const store = recoveryStore({ recoveryWindowMs: windowMs, recoveryMaxEvents: opts.maxEvents ?? 1000 }, logger);
  const { hub, bus, catalogue } = memoryHub(100, store.parking);
  const granted: string[] = [];
  const recovery = new SessionRecovery({
    hub,
    catalogue,
    logger,
    history: store.history,
    parking: store.parking,
    access: { authorize: opts.authorize ?? (async () => undefined), granted: (_s, accountId) => granted.push(accountId) },
    windowMs,
    clustered: false,
  });
  // Raw WebSocket-like connections resume by command; Socket.IO-like ones on reconnect.
  const writers = { websocket: new EnvelopeWriter('by-command'), socketio: new EnvelopeWriter('on-reconnect') };
  const fanout = memoryFanout(hub, [writers.websocket, writers.socketio], store.recorder);
  const { plan } = planner(catalogue, A);
  const open = (generation: 'websocket' | 'socketio' = 'websocket', recoveryKey?: string) => {
    const transport = new RecordingTransport(writers[generation], generation, recoveryKey);
    return { transport, session: hub.openSession(transport) };
  };
  /** Subscribes as a client would and returns the reply after recovery saw it (with its resume token). */
  const subscribe = async (session: Session): Promise<Reply> => {
    expect(await hub.subscribe(session, A, [plan(BINDING)])).toBeUndefined();
    const reply = successReply('sub-1', { subscribed: session.bindings() });
    recovery.observeReply(session, reply);
    return reply;
  };
  const publish = (callId: string) => {
    const e = callEvent(A, 'CHANNEL_CREATE', callId);
    fanout.deliver(e.exchange, e.routingKey, e.content);
  };
  const resume = (session: Session, resumeToken: string, requestId = 'resume-1') =>
    recovery.resume(session, { action: 'resume', requestId, authToken: 'token', resumeToken }, IDENTITY);
  return { hub, bus, recovery, parking: store.parking, history: store.history, plan, open, subscribe, publish, resume, granted };
}

/** The call ids of the envelopes a transport was sent, in order. */
function callIds(transport: RecordingTransport): string[] {
  return transport.sent.map((json) => (JSON.parse(json) as { data: { call_id: string } }).data.call_id);
}

describe('SessionRecovery', () => {
  it('gives a raw WebSocket subscribe reply a resume token, and no other reply', async () => {
    const { open, subscribe, recovery } = setUp();
    const { session } = open();
    const reply = await subscribe(session);
    expect(reply.data['resume_token']).toMatch(/^[0-9a-f]{32}$/);
    expect((await subscribe(session)).data['resume_token']).toBe(reply.data['resume_token']);
    const unsubscribe = successReply('u1', { subscribed: [], unsubscribed: [BINDING] });
    recovery.observeReply(session, unsubscribe);
    expect(unsubscribe.data['resume_token']).toBeUndefined();
    const sio = open('socketio').session;
    expect((await subscribe(sio)).data['resume_token']).toBeUndefined();
  });

  it('gives no resume token when recovery is off (a zero window), and ends closed sessions at once', async () => {
    const { open, subscribe, hub, bus } = setUp({ windowMs: 0 });
    const { session } = open();
    expect((await subscribe(session)).data['resume_token']).toBeUndefined();
    hub.closeSession(session);
    expect(hub.index.roomCount).toBe(0);
    expect(bus.held()).toEqual([]);
  });

  it('keeps a dropped connection\'s rooms and broker bindings while it is parked', async () => {
    const { open, subscribe, hub, bus, recovery } = setUp();
    const { session } = open();
    await subscribe(session);
    hub.closeSession(session);
    expect(recovery.parkedCount).toBe(1);
    expect(hub.index.get(`${A}/${BINDING}`)?.size).toBe(1);
    expect(bus.held()).toEqual(['callevt call.CHANNEL_CREATE.*']);
  });

  it('does not park a connection that held nothing, or that never got a resume token', async () => {
    const { open, hub, plan, subscribe, recovery } = setUp();
    hub.closeSession(open().session);
    const untokened = open().session;
    expect(await hub.subscribe(untokened, A, [plan(BINDING)])).toBeUndefined();
    hub.closeSession(untokened);
    const emptied = open().session;
    await subscribe(emptied);
    hub.unsubscribe(emptied, A, [BINDING]);
    hub.closeSession(emptied);
    expect(recovery.parkedCount).toBe(0);
    expect(hub.index.roomCount).toBe(0);
  });

  it('moves the subscriptions to the resuming connection: reply first, then the missed events, then live ones, none twice', async () => {
    const { open, subscribe, hub, publish, resume, recovery } = setUp();
    const old = open();
    const token = (await subscribe(old.session)).data['resume_token'] as string;
    publish('before-drop');
    hub.closeSession(old.session);
    publish('missed-1');
    publish('missed-2');
    const fresh = open();
    expect(await resume(fresh.session, token)).toBeUndefined();
    publish('live');
    const [first, ...rest] = fresh.transport.wire;
    expect(first).toEqual({
      reply: successReply('resume-1', { subscribed: [BINDING], recovered: true, missed: 2, resume_token: expect.stringMatching(/^[0-9a-f]{32}$/) }),
    });
    expect(rest.every((w) => 'text' in w)).toBe(true);
    expect(callIds(fresh.transport)).toEqual(['missed-1', 'missed-2', 'live']);
    expect(callIds(old.transport)).toEqual(['before-drop']);
    expect(fresh.session.bindings()).toEqual([BINDING]);
    expect(recovery.parkedCount).toBe(0);
    expect(hub.index.get(`${A}/${BINDING}`)?.size).toBe(1);
  });

  it('hands the new connection a new resume token, and refuses the old one afterwards', async () => {
    const { open, subscribe, hub, resume } = setUp();
    const old = open();
    const token = (await subscribe(old.session)).data['resume_token'] as string;
    hub.closeSession(old.session);
    const fresh = open();
    await resume(fresh.session, token);
    expect(fresh.transport.replies[0]!.data['resume_token']).not.toBe(token);
    const third = open();
    await expect(resume(third.session, token, 'again')).resolves.toEqual({
      action: 'reply', request_id: 'again', status: 'error', data: { errors: ['resume token unknown or expired: subscribe again'] },
    });
    expect(third.session.held.size).toBe(0);
  });

  it('refuses the resume when the token may no longer see the account, and keeps the session parked', async () => {
    const { open, subscribe, hub, resume, recovery } = setUp({ authorize: async () => 'unauthorized account' });
    const old = open();
    const token = (await subscribe(old.session)).data['resume_token'] as string;
    hub.closeSession(old.session);
    const fresh = open();
    const reply = await resume(fresh.session, token);
    expect(reply?.data).toEqual({ errors: ['unauthorized account'] });
    expect(fresh.session.held.size).toBe(0);
    expect(recovery.parkedCount).toBe(1);
  });

  it('says recovered: false when the journal had to drop events the connection missed', async () => {
    const { open, subscribe, hub, publish, resume } = setUp({ maxEvents: 2 });
    const old = open();
    const token = (await subscribe(old.session)).data['resume_token'] as string;
    hub.closeSession(old.session);
    for (const id of ['m1', 'm2', 'm3']) publish(id);
    const fresh = open();
    await resume(fresh.session, token);
    expect(fresh.transport.replies[0]!.data).toMatchObject({ recovered: false, missed: 2 });
    expect(callIds(fresh.transport)).toEqual(['m2', 'm3']);
  });

  it('ends a parked session when the window passes: rooms and broker bindings go, the token is unknown', async () => {
    const { open, subscribe, hub, bus, resume, recovery } = setUp({ windowMs: 50 });
    const old = open();
    const token = (await subscribe(old.session)).data['resume_token'] as string;
    hub.closeSession(old.session);
    await pollUntil('the parked session to end', () => (recovery.parkedCount === 0 ? true : undefined), 2000, 10);
    expect(hub.index.roomCount).toBe(0);
    expect(bus.held()).toEqual([]);
    expect((await resume(open().session, token))?.data).toEqual({ errors: ['resume token unknown or expired: subscribe again'] });
  });

  it('tells a Socket.IO client that resume is not for it', async () => {
    const { open, resume } = setUp();
    const reply = await resume(open('socketio').session, 'whatever');
    expect(reply?.data).toEqual({ errors: ['resume is for raw WebSocket clients: Socket.IO v4 clients recover on reconnection by themselves'] });
  });

  it('ends every parked session and parks no more once disabled (shutdown)', async () => {
    const { open, subscribe, hub, bus, recovery, parking } = setUp();
    const old = open();
    await subscribe(old.session);
    hub.closeSession(old.session);
    parking.disable();
    expect(recovery.parkedCount).toBe(0);
    expect(bus.held()).toEqual([]);
    const next = open();
    await subscribe(next.session);
    hub.closeSession(next.session);
    expect(recovery.parkedCount).toBe(0);
    expect(hub.index.roomCount).toBe(0);
  });

  it('parks an on-reconnect connection under the key its transport keeps, and hands it what it missed after any position', async () => {
    const { open, subscribe, hub, publish, recovery, history } = setUp();
    const old = open('socketio', 'socket-1');
    await subscribe(old.session);
    publish('seen');
    const seenAt = history.head();
    hub.closeSession(old.session);
    publish('missed-1');
    publish('missed-2');
    expect(recovery.parkedCount).toBe(1);
    const read = await recovery.missedAfter('socket-1', seenAt);
    expect(read.complete).toBe(true);
    expect(read.events.map((e) => (JSON.parse(e.envelopes[0]!) as { data: { call_id: string } }).data.call_id)).toEqual(['missed-1', 'missed-2']);
    expect(await recovery.missedAfter('nobody-parked', seenAt)).toEqual({ events: [], complete: true });
  });

  it('moves a reconnected connection\'s parked subscriptions to it (same key), and live events follow', async () => {
    const { open, subscribe, hub, publish, recovery } = setUp();
    const old = open('socketio', 'socket-2');
    await subscribe(old.session);
    hub.closeSession(old.session);
    const back = open('socketio', 'socket-2');
    recovery.reconnected(back.session);
    await pollUntil('the subscriptions to move', () => (recovery.parkedCount === 0 ? true : undefined), 2000, 5);
    expect(back.session.bindings()).toEqual([BINDING]);
    publish('live');
    expect(callIds(back.transport)).toEqual(['live']);
    expect(hub.index.get(`${A}/${BINDING}`)?.size).toBe(1);
  });

  it('does not park a connection whose client ended it on purpose', async () => {
    const { open, subscribe, hub, recovery } = setUp();
    const old = open('socketio', 'socket-3');
    await subscribe(old.session);
    old.transport.endedByPeer = true;
    hub.closeSession(old.session);
    expect(recovery.parkedCount).toBe(0);
    expect(hub.index.roomCount).toBe(0);
  });

  it('records the resuming token\'s new accounts as granted to the new connection', async () => {
    const { open, subscribe, hub, resume, granted } = setUp();
    const old = open();
    const token = (await subscribe(old.session)).data['resume_token'] as string;
    hub.closeSession(old.session);
    await resume(open().session, token);
    expect(granted).toEqual([A]);
  });
});

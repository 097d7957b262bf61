// Every inbound frame of every generation costs a token before anything else is done with it: binary,
// oversized and badly framed 0.9 frames, oversized 0.9 POSTs, Engine.IO packets that are no event. The same
// flood gets the same cut everywhere. And a message too large to parse still gets its own request_id back.
import WebSocket from 'ws';
import { connectClient, EnvelopeClient, WsClient } from '../helpers/clients';
import { handshake, messagesIn, rawHttp, RawLegacySocket } from '../helpers/legacy-raw';
import { Inbox } from '../helpers/inbox';
import { startTestServer, TestServer } from '../helpers/server';

const BURST = 5;
const MAX = 1024;
/** More than a bucket plus a bucket's worth of refusals: the flood that must be cut. */
const FLOOD = 2 * BURST + 6;
const RATE_TEXT = /^rate limiting threshold hit for 127\.0\.0\.1(:\d+)?!$/;

let server: TestServer;
const open: EnvelopeClient[] = [];

beforeAll(async () => {
  server = await startTestServer({ rateLimitPerSecond: 1, rateLimitBurst: BURST, maxMessageBytes: MAX });
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});
afterAll(() => server.stop());

const errorsOf = (m: Record<string, unknown>) => ((m['data'] as { errors?: string[] } | undefined)?.errors ?? []) as string[];

/** A raw Engine.IO websocket (no Socket.IO client): exactly the frames a hostile peer writes. */
async function rawEngine(eio: 3 | 4): Promise<{ ws: WebSocket; inbox: Inbox }> {
  const ws = new WebSocket(`${server.url.replace(/^http/, 'ws')}/socket.io/?EIO=${eio}&transport=websocket`);
  const inbox = new Inbox();
  ws.on('message', (d) => inbox.push({ name: 'frame', data: d.toString() }));
  ws.on('close', (code) => inbox.push({ name: 'close', data: code }));
  ws.on('error', () => undefined);
  await inbox.wait('the Engine.IO open packet', (i) => i.name === 'frame' && String(i.data).startsWith('0{'));
  if (eio === 4) ws.send('40');
  await inbox.wait('the Socket.IO connect', (i) => i.name === 'frame' && String(i.data).startsWith('40'));
  return { ws, inbox };
}

describe('Socket.IO 0.9 websocket: every frame is charged, whatever it is', () => {
  it.each([
    ['binary frames', () => Buffer.from([1, 2, 3])],
    ['frames over EH_MAX_MESSAGE_BYTES', () => `3:::${'x'.repeat(MAX + 100)}`],
    ['broken \\ufffd framing', () => '\ufffd9\ufffd2::'],
  ])('%s: answered until the bucket is empty, one rate-limit reply, then the cut with 4029', async (_kind, frame) => {
    const ws = await RawLegacySocket.open(server.url, await handshake(server.url));
    await ws.next('1::');
    for (let i = 0; i < FLOOD; i++) ws.send(frame());
    expect(await ws.waitClosed()).toMatchObject({ data: 4029 });
    const replies = messagesIn(ws.frames());
    const limited = replies.filter((m) => errorsOf(m).some((e) => RATE_TEXT.test(e)));
    expect(limited).toHaveLength(1);
    // Only the bucket's worth (plus what refilled meanwhile) got its own error answer.
    const answered = replies.length - limited.length;
    expect(answered).toBeGreaterThanOrEqual(BURST);
    expect(answered).toBeLessThanOrEqual(BURST + 2);
  });
});

describe('Socket.IO 0.9 xhr-polling: oversized POST bodies are charged as they arrive', () => {
  it('answers the bucket\'s worth, says rate limit once, then ends the session (`0::` on the held poll)', async () => {
    const sid = await handshake(server.url);
    const poll = `${server.url}/socket.io/1/xhr-polling/${sid}`;
    expect((await rawHttp(poll)).body).toBe('1::');
    const big = `3:::{"request_id":"huge","x":"${'y'.repeat(MAX + 100)}"}`;
    for (let i = 0; i < BURST + 1; i++) expect((await rawHttp(poll, { method: 'POST', body: big })).body).toBe('1');
    const queued = await rawHttp(poll);
    const replies = messagesIn(queued.body.split(/\ufffd\d+\ufffd/).filter((p) => p !== ''));
    expect(replies.filter((m) => errorsOf(m).some((e) => RATE_TEXT.test(e)))).toHaveLength(1);
    expect(replies.filter((m) => errorsOf(m)[0]?.startsWith('message too large')).length).toBeGreaterThanOrEqual(BURST);
    const held = rawHttp(poll);
    for (let i = 0; i < BURST + 1; i++) await rawHttp(poll, { method: 'POST', body: big });
    expect((await held).body).toBe('0::');
    expect((await rawHttp(poll)).body).toBe('7:::1+0');
  });
});

describe('Socket.IO v4 and EIO3: Engine.IO packets that are no event are charged too', () => {
  it.each([
    ['v4 acknowledgements of nothing (43999[])', 4 as const, '43999[]'],
    ['EIO3 pings (2)', 3 as const, '2'],
  ])('%s: one rate-limit reply, then the server disconnects the socket', async (_kind, eio, packet) => {
    const { ws, inbox } = await rawEngine(eio);
    for (let i = 0; i < FLOOD && ws.readyState === WebSocket.OPEN; i++) ws.send(packet);
    await inbox.wait('the connection to close', (i) => i.name === 'close', 5000);
    const frames = inbox.filter((i) => i.name === 'frame').map((i) => String(i.data));
    const limited = frames.filter((f) => f.startsWith('42["message"') && RATE_TEXT.test(errorsOf((JSON.parse(f.slice(2)) as unknown[])[1] as Record<string, unknown>)[0] ?? ''));
    expect(limited).toHaveLength(1);
    expect(frames).toContain('41'); // Socket.IO's server-side disconnect: the client does not reconnect
  });
});

describe('raw WebSocket, the reference: the same binary flood is cut the same way', () => {
  it('closes with 4029 after one rate-limit reply', async () => {
    const c = await WsClient.connect(server.url.replace(/^http/, 'ws') + '/');
    open.push(c);
    for (let i = 0; i < FLOOD; i++) c.socket.send(Buffer.from([1, 2, 3]));
    const closed = await c.inbox.wait('the close', (item) => item.name === 'close');
    expect(closed.data).toEqual({ code: 4029, reason: 'rate limit exceeded' });
    expect(c.envelopes().filter((e) => RATE_TEXT.test(errorsOf(e as Record<string, unknown>)[0] ?? ''))).toHaveLength(1);
  });
});

describe('a message over EH_MAX_MESSAGE_BYTES is answered under the client\'s own request_id', () => {
  const padding = 'p'.repeat(MAX + 500);
  const tooLarge = /^message too large: \d+ bytes, at most 1024$/;

  it('raw WebSocket', async () => {
    const c = await WsClient.connect(server.url.replace(/^http/, 'ws') + '/');
    open.push(c);
    c.send(`{"action":"ping","request_id":"big-ws","auth_token":"t","data":{"pad":"${padding}"}}`);
    expect(errorsOf((await c.nextReply((r) => r.request_id === 'big-ws')) as unknown as Record<string, unknown>)[0]).toMatch(tooLarge);
  });

  it.each(['object', 'text'])('Socket.IO v4, envelope as %s', async (form) => {
    const c = await connectClient('socketio-v4', server.url);
    open.push(c);
    const envelope = { action: 'ping', request_id: `big-sio-${form}`, auth_token: 't', data: { pad: padding } };
    c.send(form === 'object' ? envelope : JSON.stringify(envelope));
    expect(errorsOf((await c.nextReply((r) => r.request_id === `big-sio-${form}`)) as unknown as Record<string, unknown>)[0]).toMatch(tooLarge);
  });

  it.each([
    ['a message packet', '3:::{"action":"ping","request_id":"big-09-3","data":{"pad":"P"}}', 'big-09-3'],
    ['an emit', '5:::{"name":"subscribe","args":[{"account_id":"a","request_id":"big-09-5","pad":"P"}]}', 'big-09-5'],
  ])('Socket.IO 0.9 websocket, %s', async (_kind, packet, requestId) => {
    const ws = await RawLegacySocket.open(server.url, await handshake(server.url));
    await ws.next('1::');
    ws.send(packet.replace('P', padding));
    await ws.next((f) => f.includes(`"request_id":"${requestId}"`));
    const reply = messagesIn(ws.frames()).find((m) => m['request_id'] === requestId)!;
    expect(errorsOf(reply)[0]).toMatch(tooLarge);
    ws.close();
  });

  it('Socket.IO 0.9 xhr-polling POST', async () => {
    const sid = await handshake(server.url);
    const poll = `${server.url}/socket.io/1/xhr-polling/${sid}`;
    await rawHttp(poll);
    await rawHttp(poll, { method: 'POST', body: `3:::{"request_id":"big-poll","data":{"pad":"${padding}"}}` });
    const body = (await rawHttp(poll)).body;
    const reply = messagesIn(body.split(/\ufffd\d+\ufffd/).filter((p) => p !== '')).find((m) => m['request_id'] === 'big-poll');
    expect(reply && errorsOf(reply)[0]).toMatch(tooLarge);
  });
});

// Socket.IO 0.9 on the wire, with raw HTTP and ws peers: handshake (CORS, JSONP), polling bodies and
// framing, unknown sids, refused transports, malformed and oversized input, heartbeat and close timeouts.
import WebSocket from 'ws';
import { decodePayload } from '../../src/transports/legacy/codec';
import { handshake, messagesIn, rawHttp, RawLegacySocket } from '../helpers/legacy-raw';
import { pollUntil } from '../helpers/wait';
import { startTestServer, TestServer } from '../helpers/server';

const TIMINGS = { legacyHeartbeatIntervalMs: 100, legacyHeartbeatTimeoutMs: 300, legacyCloseTimeoutMs: 400, legacyPollTimeoutMs: 200, maxMessageBytes: 1024 };

let server: TestServer;
const sockets: RawLegacySocket[] = [];

beforeAll(async () => {
  server = await startTestServer(TIMINGS);
});
afterEach(() => {
  for (const s of sockets.splice(0)) s.close();
});
afterAll(async () => {
  await server.stop();
});

const poll = (sid: string, query = '') => rawHttp(`${server.url}/socket.io/1/xhr-polling/${sid}?t=${Date.now()}${query}`);
const post = (sid: string, body: string) => rawHttp(`${server.url}/socket.io/1/xhr-polling/${sid}?t=${Date.now()}`, { method: 'POST', body, headers: { 'Content-Type': 'text/plain;charset=UTF-8' } });

async function openSocket(): Promise<RawLegacySocket> {
  const ws = await RawLegacySocket.open(server.url, await handshake(server.url));
  sockets.push(ws);
  await ws.next('1::');
  return ws;
}

/** Sends a ping envelope on `message` and waits for its pong: the session still works. */
async function stillAnswers(ws: RawLegacySocket): Promise<void> {
  const { token } = server.addIdentity();
  ws.send(`5:::${JSON.stringify({ name: 'message', args: [{ action: 'ping', auth_token: token, request_id: 'alive' }] })}`);
  await ws.next((f) => f.includes('"request_id":"alive"') && f.includes('pong'));
}

describe('handshake', () => {
  it('answers sid:heartbeat:close:transports as text/plain, echoing the Origin with credentials', async () => {
    const r = await rawHttp(`${server.url}/socket.io/1/?t=1700000000000`, { headers: { Origin: 'http://portal.example.com' } });
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/plain; charset=UTF-8');
    expect(r.body).toMatch(/^[A-Za-z0-9_-]{20,}:0\.3:0\.4:websocket,xhr-polling,jsonp-polling$/);
    expect(r.headers['access-control-allow-origin']).toBe('http://portal.example.com');
    expect(r.headers['access-control-allow-credentials']).toBe('true');
  });

  it('answers JSONP for a numeric callback index only', async () => {
    const r = await rawHttp(`${server.url}/socket.io/1/?t=1&jsonp=3`);
    expect(r.headers['content-type']).toBe('text/javascript; charset=UTF-8');
    expect(r.body).toMatch(/^io\.j\[3\]\("[A-Za-z0-9_-]+:0\.3:0\.4:websocket,xhr-polling,jsonp-polling"\);$/);
    const hostile = await rawHttp(`${server.url}/socket.io/1/?t=1&jsonp=alert(1)`);
    expect(hostile.body).not.toContain('alert');
  });

  it('leaves Socket.IO v4 and its client script on the same port alone', async () => {
    const v4 = await rawHttp(`${server.url}/socket.io/?EIO=4&transport=polling`);
    expect(v4.status).toBe(200);
    expect(v4.body.startsWith('0{"sid":')).toBe(true);
    const legacyScript = await rawHttp(`${server.url}/vendor/socket.io-0.9.6.js`);
    expect(legacyScript.body).toContain('build:0.9.6');
  });
});

describe('xhr-polling', () => {
  it('answers the first poll 1::', async () => {
    const sid = await handshake(server.url);
    expect((await poll(sid)).body).toBe('1::');
  });

  it('takes a framed POST (answered 1) and returns everything due in one framed body, 1:: first', async () => {
    const sid = await handshake(server.url);
    const { token } = server.addIdentity();
    const ping = (id: string) => `5:::${JSON.stringify({ name: 'message', args: [{ action: 'ping', auth_token: token, request_id: id }] })}`;
    const body = `\ufffd${ping('a').length}\ufffd${ping('a')}\ufffd${ping('b€😀').length}\ufffd${ping('b€😀')}`;
    const posted = await post(sid, body);
    expect([posted.status, posted.body]).toEqual([200, '1']);
    const session = server.app.legacy.registry.get(sid)!;
    await pollUntil('both replies queued', () => (session.bufferedCount >= 2 ? true : undefined));
    const answer = (await poll(sid)).body;
    expect(answer.startsWith('\ufffd3\ufffd1::\ufffd')).toBe(true);
    const got = decodePayload(answer);
    expect(got.ok && got.packets[0]).toBe('1::');
    expect(got.ok && messagesIn(got.packets).map((r) => r['request_id'])).toEqual(['a', 'b€😀']);
  });

  it('answers an idle poll with a noop after the poll timeout', async () => {
    const sid = await handshake(server.url);
    await poll(sid);
    const started = Date.now();
    expect((await poll(sid)).body).toBe('8::');
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
  });

  it('answers jsonp-polling as io.j[i]("…") and reads the form field d', async () => {
    const sid = await handshake(server.url);
    const first = await rawHttp(`${server.url}/socket.io/1/jsonp-polling/${sid}?t=1&i=2`);
    expect(first.headers['content-type']).toBe('text/javascript; charset=UTF-8');
    expect(first.body).toBe('io.j[2]("1::");');
    const { token } = server.addIdentity();
    const packet = `5:::${JSON.stringify({ name: 'message', args: [{ action: 'ping', auth_token: token, request_id: 'j' }] })}`;
    const form = new URLSearchParams({ d: JSON.stringify(packet) }).toString();
    await rawHttp(`${server.url}/socket.io/1/jsonp-polling/${sid}?t=2&i=2`, { method: 'POST', body: form, headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    const next = await rawHttp(`${server.url}/socket.io/1/jsonp-polling/${sid}?t=3&i=2`);
    const inner = JSON.parse(next.body.slice('io.j[2]('.length, -2)) as string;
    expect(messagesIn([inner])[0]).toMatchObject({ request_id: 'j', data: { response: 'pong' } });
  });
});

describe('acks and disconnect', () => {
  it('answers 5:N+:: with 6:::N+[reply], after the reply on message', async () => {
    const ws = await openSocket();
    const { token } = server.addIdentity();
    ws.send(`5:7+::${JSON.stringify({ name: 'message', args: [{ action: 'ping', auth_token: token, request_id: 'k' }] })}`);
    const ack = await ws.next((f) => f.startsWith('6:::'));
    expect(ack).toBe('6:::7+[{"action":"reply","request_id":"k","status":"success","data":{"response":"pong"}}]');
    expect(ws.frames().indexOf(ack)).toBeGreaterThan(ws.frames().findIndex((f) => f.includes('"name":"message"')));
  });

  it('auto-acknowledges a plain message id with 6:::N', async () => {
    const ws = await openSocket();
    ws.send('8:12::');
    expect(await ws.next((f) => f.startsWith('6:::'))).toBe('6:::12');
  });

  it('ends a session on 0:: and on a ?disconnect request', async () => {
    const ws = await openSocket();
    const sid = await handshake(server.url);
    await poll(sid);
    ws.send('0::');
    await ws.waitClosed();
    const r = await rawHttp(`${server.url}/socket.io/1/xhr-polling/${sid}?disconnect=1`);
    expect(r.status).toBe(200);
    expect(server.app.legacy.registry.get(sid)).toBeUndefined();
    expect((await poll(sid)).body).toBe('7:::1+0');
  });
});

describe('unknown session ids and refused transports', () => {
  it('tells pollers and websockets 7:::1+0 (client not handshaken, reconnect); POSTs get 404', async () => {
    expect((await poll('nosuchsid')).body).toBe('7:::1+0');
    expect((await rawHttp(`${server.url}/socket.io/1/jsonp-polling/nosuchsid?i=1`)).body).toBe('io.j[1]("7:::1+0");');
    expect((await post('nosuchsid', '2::')).status).toBe(404);
    const ws = await RawLegacySocket.open(server.url, 'nosuchsid');
    expect(await ws.next('7:::1+0')).toBe('7:::1+0');
    await ws.waitClosed();
  });

  it.each(['htmlfile', 'flashsocket'])('refuses %s with a clear "transport not supported"', async (transport) => {
    const sid = await handshake(server.url);
    const r = await rawHttp(`${server.url}/socket.io/1/${transport}/${sid}`);
    expect(r.status).toBe(400);
    expect(r.body).toBe(`transport not supported: ${transport}; this server offers websocket, xhr-polling, jsonp-polling`);
  });

  it('refuses a flashsocket upgrade with HTTP 400', async () => {
    const sid = await handshake(server.url);
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}/socket.io/1/flashsocket/${sid}`);
    ws.on('error', () => undefined);
    const status = await new Promise<number>((resolve) => ws.on('unexpected-response', (req, res) => {
      resolve(res.statusCode ?? 0);
      req.destroy();
    }));
    expect(status).toBe(400);
  });
});

describe('malformed and oversized input', () => {
  it.each([
    ['not a packet', 'hello'],
    ['an unknown packet type', '9::'],
    ['an event that is not JSON', '5:::{"name":'],
    ['a broken frame header', '\ufffd10\ufffd1::'],
  ])('%s gets an error reply and an error event; the session goes on', async (_what, frame) => {
    const ws = await openSocket();
    const from = ws.frames().length;
    ws.send(frame);
    const reply = messagesIn([await ws.next((f) => f.includes('"name":"message"'), from)])[0]!;
    expect(reply).toMatchObject({ action: 'reply', status: 'error' });
    expect((reply['data'] as { errors: string[] }).errors[0]).toMatch(/^invalid message: /);
    await ws.next((f) => f.startsWith('5:::{"name":"error"'), from);
    await stillAnswers(ws);
  });

  it('an oversized websocket frame or POST body gets "message too large", counted like every transport\'s', async () => {
    const tooLarge = () => server.app.security.counters.messagesTooLarge;
    const before = tooLarge();
    const ws = await openSocket();
    ws.send(`3:::${'x'.repeat(2000)}`);
    await ws.next((f) => f.includes('message too large: 2004 bytes, at most 1024'));
    await stillAnswers(ws);

    const sid = await handshake(server.url);
    await poll(sid);
    expect((await post(sid, `3:::${'y'.repeat(5000)}`)).body).toBe('1');
    expect((await poll(sid)).body).toContain('message too large: 5004 bytes, at most 1024');
    expect(tooLarge() - before).toBe(2);
  });

  it('a binary frame is refused, and a namespace connect gets 7::/ns:2', async () => {
    const ws = await openSocket();
    ws.send(Buffer.from([1, 2, 3]));
    await ws.next((f) => f.includes('frames are text'));
    ws.send('1::/chat');
    await ws.next('7::/chat:2');
    await stillAnswers(ws);
  });
});

describe('timeouts', () => {
  it('ends a websocket session whose client does not echo heartbeats', async () => {
    const sid = await handshake(server.url);
    const ws = await RawLegacySocket.open(server.url, sid);
    sockets.push(ws);
    await ws.next('2::');
    await ws.waitClosed();
    expect(server.app.legacy.registry.get(sid)).toBeUndefined();
  });

  it('reaps sessions abandoned after the handshake or between polls, with their subscriptions', async () => {
    const handshaken = await handshake(server.url);
    const polled = await handshake(server.url);
    await poll(polled);
    const { token, accountId } = server.addIdentity();
    await post(polled, `5:::${JSON.stringify({ name: 'subscribe', args: [{ account_id: accountId, auth_token: token, binding: 'call.CHANNEL_CREATE.*' }] })}`);
    await pollUntil('the subscription', () => (server.app.hub.index.get(`${accountId}/call.CHANNEL_CREATE.*`) ? true : undefined));
    await pollUntil('both sessions to be reaped', () => (server.app.legacy.registry.get(handshaken) || server.app.legacy.registry.get(polled) ? undefined : true), 3000);
    expect(server.app.hub.index.get(`${accountId}/call.CHANNEL_CREATE.*`)).toBeUndefined();
  });
});

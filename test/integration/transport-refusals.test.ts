// A message refused by the per-connection rate limit gets the same answer on every Socket.IO generation:
// an error reply on `message` that echoes the client's request_id, whichever way the envelope travelled.
import { SocketIoV4Client } from '../helpers/clients';
import { Client09 } from '../helpers/legacy-client';
import { useBridge } from '../helpers/bridge-fixture';

// A bucket of two: the third message in a burst is the refused one. Messages up to 1 KiB.
const bridge = useBridge({ rateLimitPerSecond: 1, rateLimitBurst: 2, maxMessageBytes: 1024 });

interface ReplyShape {
  action: string;
  request_id: string;
  status: string;
  data: { errors?: string[] };
}

describe('Socket.IO v4', () => {
  it('echoes the request_id of a JSON text envelope (socket.send(text)) refused by the rate limit', async () => {
    const { token } = bridge.server.addIdentity();
    const c = bridge.track(await SocketIoV4Client.connect(bridge.server.url));
    for (let i = 0; i < 3; i++) c.socket.send(JSON.stringify({ action: 'ping', auth_token: token, request_id: `t${i}` }));
    const refused = await c.inbox.wait('the refusal', (m) => m.name === 'message' && (m.data as ReplyShape).status === 'error');
    expect(refused.data).toMatchObject({ action: 'reply', request_id: 't2', status: 'error', data: { errors: [expect.stringMatching(/^rate limiting threshold hit for /)] } });
  });

  it('measures a JSON text envelope by the bytes the client sent, not by its re-escaped JSON', async () => {
    const { token } = bridge.server.addIdentity();
    const c = bridge.track(await SocketIoV4Client.connect(bridge.server.url));
    // Under 1 KiB as sent, over it once every quote of the metadata is escaped again.
    const text = JSON.stringify({ action: 'ping', auth_token: token, request_id: 'quoted', data: { metadata: { q: '"'.repeat(400) } } });
    expect(Buffer.byteLength(text)).toBeLessThan(1024);
    expect(Buffer.byteLength(JSON.stringify([text]))).toBeGreaterThan(1024);
    c.socket.send(text);
    const reply = await c.inbox.wait('the reply', (m) => m.name === 'message' && (m.data as ReplyShape).request_id === 'quoted');
    expect(reply.data).toMatchObject({ status: 'success', data: { response: 'pong' } });
  });
});

describe('Socket.IO 0.9', () => {
  it('answers a refused emit through its ack with its request_id, and with KAZOO 3.x\'s `error` event', async () => {
    const { token, accountId } = bridge.server.addIdentity();
    const c = Client09.open(bridge.server.url, 'websocket');
    try {
      await c.connected;
      const emit = (i: number) => c.emitWithAck('subscribe', { account_id: accountId, auth_token: token, binding: 'call.CHANNEL_CREATE.*', request_id: `l${i}` });
      const [, , refused] = await Promise.all([emit(0), emit(1), emit(2)]);
      expect(refused[0]).toMatchObject({ action: 'reply', request_id: 'l2', status: 'error', data: { errors: ['rate limiting threshold hit for 127.0.0.1!'] } });
      expect(await c.waitNamed('error')).toEqual({ message: 'rate limiting threshold hit for 127.0.0.1!' });
    } finally {
      c.close();
    }
  });
});

// A message refused by the per-connection rate limit gets the same answer on every Socket.IO generation:
// an error reply on `message` that echoes the client's request_id, whichever way the envelope travelled.
import { SocketIoV4Client } from '../helpers/clients';
import { useBridge } from '../helpers/bridge-fixture';

// A bucket of two: the third message in a burst is the refused one.
const bridge = useBridge({ rateLimitPerSecond: 1, rateLimitBurst: 2 });

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
});

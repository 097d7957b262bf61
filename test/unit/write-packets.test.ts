// writePackets: Socket.IO event packets reach one client in order, straight onto its TCP socket (corked
// per burst) when it is on websocket with nothing queued in Engine.IO, through Engine.IO otherwise.
// Real Socket.IO server and client on 127.0.0.1; no services.
import http from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { Server, type Socket } from 'socket.io';
import { io as connect, type Socket as ClientSocket } from 'socket.io-client';
import { CorkedWrites } from '../../src/transports/corked-writes';
import { SocketIoPacket, writePackets } from '../../src/transports/socketio/socketio-wire';
import { pollUntil } from '../helpers/wait';

let httpServer: http.Server;
let ioServer: Server;
const clients: ClientSocket[] = [];

beforeAll(async () => {
  httpServer = http.createServer();
  ioServer = new Server(httpServer);
  httpServer.listen(0, '127.0.0.1');
  await once(httpServer, 'listening');
});

afterEach(() => {
  for (const c of clients.splice(0)) c.close();
});

afterAll(async () => {
  await ioServer.close();
});

/** A connected client on `transport`, its server-side socket, and the `message` payloads it received. */
async function client(transport: 'websocket' | 'polling'): Promise<{ socket: Socket; received: unknown[] }> {
  const accepted = once(ioServer, 'connection') as Promise<[Socket]>;
  const c = connect(`http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`, { transports: [transport], reconnection: false });
  clients.push(c);
  const received: unknown[] = [];
  c.on('message', (payload: unknown) => received.push(payload));
  await new Promise<void>((resolve) => c.once('connect', resolve));
  const [socket] = await accepted;
  return { socket, received };
}

function message(n: number): SocketIoPacket {
  return new SocketIoPacket(`["message",{"n":${n}}]`);
}

async function receivedAll(received: unknown[], count: number): Promise<unknown[]> {
  return pollUntil(`${count} messages`, () => (received.length >= count ? received : undefined), 5000, 5);
}

describe('writePackets', () => {
  it('writes a websocket client\'s packets onto its socket directly, held until the burst ends, in order', async () => {
    const { socket, received } = await client('websocket');
    const writes = new CorkedWrites();
    writePackets(writes, socket, [message(1), message(2)]);
    expect(writes.held).toBe(1);
    expect(await receivedAll(received, 2)).toEqual([{ n: 1 }, { n: 2 }]);
  });

  it('writes the already joined frames of several packets in one go', async () => {
    const { socket, received } = await client('websocket');
    const packets = [message(1), message(2), message(3)];
    writePackets(new CorkedWrites(), socket, packets, Buffer.concat(packets.map((p) => p.frame)));
    expect(await receivedAll(received, 3)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
  });

  it('hands a polling client\'s packets to Engine.IO, which delivers them in order', async () => {
    const { socket, received } = await client('polling');
    const writes = new CorkedWrites();
    writePackets(writes, socket, [message(1), message(2)]);
    expect(writes.held).toBe(0);
    expect(await receivedAll(received, 2)).toEqual([{ n: 1 }, { n: 2 }]);
  });

  it('goes through Engine.IO, behind what it still holds, when packets are queued there', async () => {
    const { socket, received } = await client('websocket');
    const writes = new CorkedWrites();
    socket.emit('message', { n: 1 }); // sent at once: the websocket is now busy until ws calls back
    socket.emit('message', { n: 2 }); // waits in Engine.IO's write buffer
    writePackets(writes, socket, [message(3)]);
    expect(writes.held).toBe(0);
    expect(await receivedAll(received, 3)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
  });

  it('frames each packet once, as Engine.IO message 4 around the Socket.IO event 2', () => {
    const p = message(7);
    expect(p.text).toBe('42["message",{"n":7}]');
    expect(p.packet).toBe('2["message",{"n":7}]');
    expect(p.frame).toBe(p.frame);
  });
});

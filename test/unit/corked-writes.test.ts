// CorkedWrites holds a burst's writes per socket and lets them go together, in order, when the burst
// ends or when it has been held too long; checked on real loopback TCP sockets.
import net from 'node:net';
import { once } from 'node:events';
import { CorkedWrites } from '../../src/transports/corked-writes';
import { waitUntil } from '../helpers/wait';

interface Pair {
  client: net.Socket;
  server: net.Socket;
  received: () => string;
}

const open: net.Socket[] = [];
let listener: net.Server;

beforeAll(async () => {
  listener = net.createServer();
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
});

afterEach(() => {
  for (const s of open.splice(0)) s.destroy();
});

afterAll(async () => {
  await new Promise((resolve) => listener.close(resolve));
});

async function pair(): Promise<Pair> {
  const accepted = once(listener, 'connection') as Promise<[net.Socket]>;
  const client = net.connect((listener.address() as net.AddressInfo).port, '127.0.0.1');
  await once(client, 'connect');
  const [server] = await accepted;
  open.push(client, server);
  let text = '';
  client.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
  });
  return { client, server, received: () => text };
}

/** Resolves once `check` holds, re-checked on every chunk either client receives. */
function until(what: string, check: () => boolean, ...pairs: Pair[]): Promise<true> {
  return waitUntil(what, () => (check() ? true : undefined), (onChange) => {
    for (const p of pairs) p.client.on('data', onChange);
    return () => pairs.forEach((p) => p.client.off('data', onChange));
  }, 2000);
}

describe('CorkedWrites', () => {
  it('holds every write of the current tick and sends them, in order, once the tick ends', async () => {
    const writes = new CorkedWrites();
    const a = await pair();
    const b = await pair();
    writes.write(a.server, Buffer.from('a1 '));
    writes.write(b.server, Buffer.from('b1 '));
    writes.write(a.server, Buffer.from('a2 '));
    a.server.write('a3 '); // a write of someone else (a reply) keeps its place behind the held ones
    expect(a.server.writableCorked).toBe(1);
    expect(a.server.writableLength).toBe(9);
    expect(writes.held).toBe(2);

    await new Promise((resolve) => process.nextTick(resolve));
    expect(writes.held).toBe(0);
    expect(a.server.writableCorked).toBe(0);
    await until('both sockets to receive', () => a.received() === 'a1 a2 a3 ' && b.received() === 'b1 ', a, b);
  });

  it('lets a batch go early when the event loop stays busy longer than the hold limit', async () => {
    const writes = new CorkedWrites(1);
    const a = await pair();
    const started = Date.now();
    let flushedDuringBurst = false;
    // One long synchronous burst, as when a backlog of broker deliveries is worked off: it goes on
    // (never yielding to the event loop) until the batch left early, or fails after 2 s of it. A burst
    // bounded by time alone could end before the clock check when this process is not scheduled.
    for (let i = 0; !flushedDuringBurst && Date.now() - started < 2000; i++) {
      writes.write(a.server, Buffer.from('x'));
      if (a.server.writableCorked === 0) flushedDuringBurst = true;
    }
    expect(flushedDuringBurst).toBe(true);
    await new Promise((resolve) => process.nextTick(resolve));
    expect(a.server.writableCorked).toBe(0);
  });

  it('does not throw for a socket destroyed while its writes are held', async () => {
    const writes = new CorkedWrites();
    const a = await pair();
    writes.write(a.server, Buffer.from('lost'));
    a.server.destroy();
    await new Promise((resolve) => process.nextTick(resolve));
    expect(writes.held).toBe(0);
  });
});

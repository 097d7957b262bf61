// The one-port dispatcher over a real HTTP server on 127.0.0.1: each request goes to the first transport
// of the list that claims it, after the gate (told whether that transport says it starts a session);
// refusals are HTTP 403/429 with their text; unclaimed requests reach the plain routes; a worker closes every connection after one response.
import http, { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { installDispatcher, Refusal } from '../../src/http/upgrade-dispatcher';
import { RecordingTarget } from '../helpers/memory-hub';

class PathTransport extends RecordingTarget {
  constructor(name: string, private readonly prefix: string) {
    super(name);
  }
  override claimsRequest(req: IncomingMessage): boolean {
    return (req.url ?? '/').startsWith(this.prefix);
  }
  override startsSession(req: IncomingMessage): boolean {
    return (req.url ?? '').includes('start');
  }
  override handleRequest(_req: IncomingMessage, res: ServerResponse): void {
    res.end(this.name);
  }
}

let server: http.Server;
let base = '';
const asked: Array<[string, boolean]> = [];
let refusal: Refusal | undefined;

beforeAll(async () => {
  server = http.createServer();
  const transports = [new PathTransport('narrow', '/t/1/'), new PathTransport('wide', '/t/')];
  const gate = { admit: (req: IncomingMessage, starts: boolean) => (asked.push([req.url ?? '', starts]), refusal) };
  installDispatcher(server, transports, gate, (_req, res) => res.end('routes'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  asked.length = 0;
  refusal = undefined;
});

it('sends a request to the first transport that claims it, after asking the gate whether it starts a session', async () => {
  expect(await (await fetch(`${base}/t/1/start`)).text()).toBe('narrow');
  expect(await (await fetch(`${base}/t/other`)).text()).toBe('wide');
  expect(asked).toEqual([['/t/1/start', true], ['/t/other', false]]);
});

it('gives unclaimed requests to the routes without asking the gate', async () => {
  expect(await (await fetch(`${base}/healthz`)).text()).toBe('routes');
  expect(asked).toEqual([]);
});

it('answers a refused request with its status and text, and the transport never sees it', async () => {
  refusal = { status: 429, text: 'too many connections from 127.0.0.1' };
  const res = await fetch(`${base}/t/1/start`);
  expect(res.status).toBe(429);
  expect(await res.text()).toBe('too many connections from 127.0.0.1');
});

/** The `Connection` header a keep-alive client gets back for one GET. */
function connectionHeader(url: string): Promise<string | undefined> {
  const agent = new http.Agent({ keepAlive: true });
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent }, (res) => {
        res.resume();
        res.on('end', () => {
          agent.destroy();
          resolve(res.headers.connection);
        });
      })
      .on('error', reject);
  });
}

it('closes every connection after its response when asked (a worker behind the primary), transports and routes alike', async () => {
  const single = http.createServer();
  installDispatcher(single, [new PathTransport('t', '/t/')], { admit: () => undefined }, (_req, res) => res.end('routes'), { oneRequestPerConnection: true });
  await new Promise<void>((resolve) => single.listen(0, '127.0.0.1', resolve));
  const singleBase = `http://127.0.0.1:${(single.address() as AddressInfo).port}`;
  try {
    expect(await connectionHeader(`${singleBase}/t/x`)).toBe('close');
    expect(await connectionHeader(`${singleBase}/healthz`)).toBe('close');
    // Without the option connections are kept alive, as before.
    expect(await connectionHeader(`${base}/t/x`)).toBe('keep-alive');
  } finally {
    await new Promise<void>((resolve) => single.close(() => resolve()));
  }
});

// A raw socket.io 0.9 peer for protocol tests: plain HTTP requests and a plain ws socket, so tests can
// send exactly the bytes a broken or hostile client would, and read exactly what comes back.
import http from 'node:http';
import net from 'node:net';
import WebSocket from 'ws';
import { Inbox } from './inbox';

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * One HTTP request, body read as UTF-8.
 * @example const r = await rawHttp(`${url}/socket.io/1/?t=1`, { headers: { Origin: 'http://page' } });
 */
export function rawHttp(url: string, opts: { method?: string; headers?: Record<string, string>; body?: string | Buffer; agent?: http.Agent } = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: opts.method ?? 'GET', headers: opts.headers, agent: opts.agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** Handshakes and returns the sid. */
export async function handshake(baseUrl: string, agent?: http.Agent): Promise<string> {
  const r = await rawHttp(`${baseUrl}/socket.io/1/?t=${Date.now()}`, agent ? { agent } : {});
  if (r.status !== 200) throw new Error(`handshake failed: ${r.status} ${r.body}`);
  return r.body.split(':')[0]!;
}

/**
 * A plain ws connection to `/socket.io/1/websocket/{sid}` recording every text frame.
 * @example const ws = await RawLegacySocket.open(url, sid); await ws.next('1::');
 */
export class RawLegacySocket {
  readonly inbox = new Inbox();
  closed?: { code: number };

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => this.inbox.push({ name: 'frame', data: data.toString() }));
    socket.on('close', (code) => {
      this.closed = { code };
      this.inbox.push({ name: 'close', data: code });
    });
  }

  static open(baseUrl: string, sid: string): Promise<RawLegacySocket> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/socket.io/1/websocket/${sid}`);
      const client = new RawLegacySocket(socket);
      socket.once('open', () => resolve(client));
      socket.once('error', reject);
    });
  }

  send(data: string | Buffer): void {
    this.socket.send(data);
  }

  frames(): string[] {
    return this.inbox.filter((i) => i.name === 'frame').map((i) => i.data as string);
  }

  /** Waits for a frame matching `pred` (a string: equal to it), from index `from` on. */
  async next(pred: string | ((frame: string) => boolean), from = 0, timeoutMs = 3000): Promise<string> {
    const test = typeof pred === 'string' ? (f: string) => f === pred : pred;
    const item = await this.inbox.wait(`a frame ${String(pred)}`, (i) => i.name === 'frame' && test(i.data as string), timeoutMs, from);
    return item.data as string;
  }

  waitClosed(timeoutMs = 3000): Promise<unknown> {
    return this.inbox.wait('the socket to close', (i) => i.name === 'close', timeoutMs);
  }

  close(): void {
    this.socket.close();
  }
}

/** The `message` event payloads (replies) in a list of frames or packets. */
export function messagesIn(packets: readonly string[]): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  for (const p of packets) {
    if (!p.startsWith('5:::')) continue;
    const event = JSON.parse(p.slice(4)) as { name: string; args?: unknown[] };
    if (event.name === 'message') out.push(event.args![0] as Record<string, unknown>);
  }
  return out;
}

/**
 * A bare keep-alive HTTP/1.1 connection for load loops: one GET at a time, body by Content-Length.
 * Several times cheaper than `http.request`, so a test can afford thousands of real requests.
 * @example const conn = await KeepAliveConnection.open(port); const body = await conn.get('/socket.io/1/?t=1');
 */
export class KeepAliveConnection {
  private buffer = '';
  private waiting?: { resolve: (body: string) => void; reject: (err: Error) => void };

  private constructor(private readonly socket: net.Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (data: string) => {
      this.buffer += data;
      this.drain();
    });
    socket.on('close', () => this.waiting?.reject(new Error('connection closed')));
  }

  static open(port: number, host = '127.0.0.1'): Promise<KeepAliveConnection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, host, () => resolve(new KeepAliveConnection(socket)));
      socket.once('error', reject);
    });
  }

  get(path: string): Promise<string> {
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.socket.write(`GET ${path} HTTP/1.1\r\nHost: localhost\r\n\r\n`);
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private drain(): void {
    const headEnd = this.buffer.indexOf('\r\n\r\n');
    if (headEnd < 0 || !this.waiting) return;
    const length = Number(/content-length: *(\d+)/i.exec(this.buffer.slice(0, headEnd))?.[1] ?? 0);
    const start = headEnd + 4;
    // Bodies here are ASCII, so string length equals byte length.
    if (this.buffer.length < start + length) return;
    const body = this.buffer.slice(start, start + length);
    this.buffer = this.buffer.slice(start + length);
    const { resolve } = this.waiting;
    this.waiting = undefined;
    resolve(body);
  }
}

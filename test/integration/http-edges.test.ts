// The plain HTTP surface under requests browsers never send: each gets an HTTP answer and the process,
// with every client on it, stays up.
import net from 'node:net';
import { useBridge } from '../helpers/bridge-fixture';

const bridge = useBridge();

/** Sends one raw request (no client library normalizes its target) and resolves with the whole answer. */
function rawRequest(port: number, requestLine: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(`${requestLine}\r\nHost: localhost\r\nConnection: close\r\n\r\n`));
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
  });
}

describe('malformed request targets', () => {
  it.each(['//[', '//x:99999/v2/websockets', '//%/api/demo'])('answers GET %s with 400 instead of throwing out of the request listener', async (target) => {
    const answer = await rawRequest(bridge.server.app.port, `GET ${target} HTTP/1.1`);
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(answer).toContain('malformed request target');
    expect((await fetch(`${bridge.server.url}/healthz`)).status).toBe(200);
  });
});

// Serving the demo page's files: a file that cannot be read after it was found costs one answer,
// never the process.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { EventEmitter, once } from 'node:events';
import { serveStatic } from '../../src/http/static-files';

/** Emits each request's URL once the server is done with its answer (sent or cut). */
const answered = new EventEmitter();

let root: string;
let server: http.Server;
let base: string;

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'eh-static-'));
  fs.writeFileSync(path.join(root, 'ok.js'), 'ok();');
  // stat() calls it a regular file, and every read of it fails with EIO: a read error after the stat.
  fs.symlinkSync('/proc/self/mem', path.join(root, 'unreadable.js'));
  server = http.createServer((req, res) => {
    res.once('close', () => answered.emit(req.url ?? ''));
    if (!serveStatic(req, res, root)) res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  fs.rmSync(root, { recursive: true, force: true });
});

describe('serveStatic', () => {
  it('cuts the answer of a file whose read fails, and keeps serving the others', async () => {
    // The read error is raised before the answer closes: once it has closed, an unhandled error would have ended the run.
    const cut = once(answered, '/unreadable.js', { signal: AbortSignal.timeout(5000) });
    const answer = fetch(`${base}/unreadable.js`).then((res) => res.text()).catch(() => undefined);
    await Promise.all([cut, answer]);
    const res = await fetch(`${base}/ok.js`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('ok();');
  });
});

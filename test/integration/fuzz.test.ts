// 100,000 random and mutated messages through every transport (raw WebSocket, Socket.IO v4 and EIO3,
// Socket.IO 0.9, plus garbage frames): the process stays up, memory stays bounded, and every message that
// is not a no-op gets its reply. Then envelopes nested thousands of levels deep, on every transport of one
// cluster node, while the other node lists its connections through Redis: every one answered, nothing thrown.
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import WebSocket from 'ws';
import { io as ioV4, Socket } from 'socket.io-client';
import { parseEnvelope, parseText } from '../../src/protocol/commands';
import { startTestServer, TestServer, TestIdentity } from '../helpers/server';
import { pollUntil } from '../helpers/wait';
import { heapAfterGc } from '../helpers/heap';
import { deepCases, deepEnvelopeText } from '../helpers/deep-json';
import { rawPeers } from '../helpers/raw-peers';

let server: TestServer;
let id: TestIdentity;
const BATCH = 500;

beforeAll(async () => {
  // Limits that would answer for the pipeline (rate limit, IP blocks) are off: every message goes all the way.
  server = await startTestServer({ rateLimitPerSecond: 0, maxAuthFailuresPerIp: 0 });
  id = server.addIdentity();
});
afterAll(async () => {
  await server.stop();
});

/** Envelopes as clients write them, with a valid token one time in five. */
function envelopeArb(): fc.Arbitrary<Record<string, unknown>> {
  const binding = fc.oneof(fc.constantFrom('call.CHANNEL_CREATE.*', 'call.*.*', 'conference.event.*.*', 'doc_created.*.user.*', 'fax.status.*', 'object.*.*'), fc.string({ maxLength: 40 }));
  return fc.record(
    {
      action: fc.oneof(fc.constantFrom('subscribe', 'unsubscribe', 'ping', 'noop', 'publish_app_event', 'api', 'resume', ''), fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 1 })),
      auth_token: fc.oneof(fc.constant(id.token), fc.string({ maxLength: 30 }), fc.jsonValue({ maxDepth: 1 })),
      request_id: fc.oneof(fc.string({ maxLength: 20 }), fc.integer()),
      data: fc.oneof(
        fc.record({ account_id: fc.oneof(fc.constant(id.accountId), fc.constant('*'), fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 32, maxLength: 32 }), fc.jsonValue({ maxDepth: 1 })), binding, bindings: fc.array(binding, { maxLength: 4 }), resume_token: fc.string({ maxLength: 33 }) }, { requiredKeys: [] }),
        fc.jsonValue({ maxDepth: 2 }),
      ),
    },
    { requiredKeys: [] },
  );
}

/** A JSON text broken the ways networks and buggy clients break it. */
function mutate(text: string, r: number, pos: number): string {
  const at = pos % (text.length + 1);
  switch (r % 5) {
    case 0: return text.slice(0, at);
    case 1: return text.slice(0, at) + '"{[,\\\u0000é'[r % 8] + text.slice(at);
    case 2: return text.slice(0, at) + text.slice(at + 1);
    case 3: return text + text.slice(0, at);
    default: return text.replace(/"/g, "'");
  }
}

/** `n` text messages: envelopes, mutated envelopes, random JSON values and random text. */
function texts(n: number, seed: number): string[] {
  const arb = fc.oneof(
    { weight: 4, arbitrary: envelopeArb().map((e) => JSON.stringify(e)) },
    { weight: 3, arbitrary: fc.tuple(envelopeArb(), fc.nat(), fc.nat()).map(([e, r, p]) => mutate(JSON.stringify(e), r, p)) },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? 'null') },
    { weight: 1, arbitrary: fc.string({ maxLength: 80, unit: 'binary' }) },
  );
  return fc.sample(arb, { numRuns: n, seed });
}

/** `n` Socket.IO emits: envelopes and text on `message`, and legacy subscribe/unsubscribe emits. */
function socketIoEmits(n: number, seed: number): Array<[string, unknown]> {
  return fc.sample(
    fc.oneof(
      fc.tuple(fc.constant('message'), fc.oneof(fc.string({ maxLength: 60 }), envelopeArb().map((e) => JSON.stringify(e)))),
      fc.tuple(fc.constant('message'), fc.oneof(envelopeArb(), fc.jsonValue({ maxDepth: 2 }))),
      fc.tuple(fc.constantFrom('subscribe', 'unsubscribe'), fc.oneof(fc.record({ account_id: fc.constant(id.accountId), auth_token: fc.string({ maxLength: 10 }), binding: fc.string({ maxLength: 20 }) }), fc.jsonValue({ maxDepth: 2 }))),
    ),
    { numRuns: n, seed },
  ) as Array<[string, unknown]>;
}

function answered(text: string): boolean {
  const parsed = parseText(text);
  return !(parsed.ok && parsed.command.action === 'noop');
}

/** Sends in batches and waits for the replies of each batch before the next: bounded in-flight work. */
async function pump(what: string, messages: unknown[], expected: (m: unknown) => boolean, send: (m: unknown) => void, replies: () => number): Promise<number> {
  let want = 0;
  const t0 = Date.now();
  for (let i = 0; i < messages.length; i += BATCH) {
    for (const m of messages.slice(i, i + BATCH)) {
      send(m);
      if (expected(m)) want++;
    }
    await pollUntil(`${what}: ${want} replies`, () => (replies() >= want ? true : undefined), 15000, 5);
  }
  if (process.env['EH_FUZZ_REPORT']) process.stderr.write(`${what}: ${Date.now() - t0} ms\n`);
  return want;
}

async function rawWs(path: string): Promise<{ socket: WebSocket; frames: string[] }> {
  const socket = new WebSocket(server.url.replace('http', 'ws') + path);
  const frames: string[] = [];
  socket.on('message', (d) => frames.push(d.toString()));
  socket.on('error', () => undefined);
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  return { socket, frames };
}

const isReplyFrame = (f: string) => f.startsWith('{"action":"reply"');

it('survives 100,000 random and mutated messages on every transport and answers each one that is not a no-op', async () => {
  // Every message is generated first, so the heap readings around the run compare the server's heap,
  // not fast-check's (it keeps a great deal while generating).
  const wsTexts = [0, 1, 2, 3].map((k) => texts(12500, 100 + k));
  const sioEmits = [0, 1].map((k) => socketIoEmits(12500, 200 + k));
  const legacyTexts = [0, 1].map((k) => texts(10000, 300 + k));
  const garbage = {
    binary: fc.sample(fc.uint8Array({ maxLength: 200 }), { numRuns: 3000, seed: 400 }),
    legacy: fc.sample(fc.oneof(fc.string({ maxLength: 60 }), fc.tuple(fc.nat(9), fc.string({ maxLength: 5 }), fc.string({ maxLength: 40 })).map(([t, id, d]) => `${t}:${id}::${d}`)), { numRuns: 1000, seed: 401 }),
    engine: fc.sample(fc.string({ maxLength: 60 }), { numRuns: 1000, seed: 402 }),
  };
  const heapBefore = heapAfterGc();
  const started = Date.now();
  let sent = 0;
  let expectedTotal = 0;
  let repliedTotal = 0;

  // Raw WebSocket: 4 connections × 12,500 text frames.
  const wsRuns = [0, 1, 2, 3].map(async (k) => {
    const { socket, frames } = await rawWs('/');
    let replies = 0;
    socket.on('message', (d) => {
      if (isReplyFrame(d.toString())) replies++;
    });
    const msgs = wsTexts[k]!;
    const want = await pump(`ws ${k}`, msgs, (m) => answered(m as string), (m) => socket.send(m as string), () => replies);
    sent += msgs.length;
    expectedTotal += want;
    repliedTotal += replies;
    frames.length = 0;
    socket.close();
  });

  // Socket.IO v4 and EIO3-compatible v4 polling: 2 × 12,500 emits (envelopes on `message`, and legacy emits).
  const sioRuns = [0, 1].map(async (k) => {
    const socket: Socket = ioV4(server.url, { transports: [k === 0 ? 'websocket' : 'polling'], forceNew: true, reconnection: false });
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    let replies = 0;
    socket.on('message', (m: { action?: string }) => {
      if (m && m.action === 'reply') replies++;
    });
    const emits = sioEmits[k]!;
    const expected = ([name, value]: [string, unknown]) => {
      if (name !== 'message') return true;
      const parsed = typeof value === 'string' ? parseText(value) : parseEnvelope(value);
      return !(parsed.ok && parsed.command.action === 'noop');
    };
    const want = await pump(`socket.io ${k}`, emits, (m) => expected(m as [string, unknown]), (m) => socket.emit(...(m as [string, unknown])), () => replies);
    sent += emits.length;
    expectedTotal += want;
    repliedTotal += replies;
    socket.close();
  });

  // Socket.IO 0.9: 2 sessions × 10,000 `3:::` message packets over its websocket transport.
  const legacyRuns = [0, 1].map(async (k) => {
    const handshake = await (await fetch(`${server.url}/socket.io/1/?t=${Date.now()}`)).text();
    const sid = handshake.split(':')[0]!;
    const { socket } = await rawWs(`/socket.io/1/websocket/${sid}`);
    let replies = 0;
    socket.on('message', (d) => {
      if (d.toString().startsWith('5:::{"name":"message","args":[{"action":"reply"')) replies++;
    });
    const msgs = legacyTexts[k]!;
    const want = await pump(`0.9 ${k}`, msgs, (m) => answered(m as string), (m) => socket.send(`3:::${m as string}`), () => replies);
    sent += msgs.length;
    expectedTotal += want;
    repliedTotal += replies;
    socket.close();
  });

  // Garbage: 3,000 binary frames and 1,000 random 0.9 packets and 1,000 random Engine.IO frames; no reply count, only survival.
  const garbageRuns = (async () => {
    const bin = await rawWs('/');
    for (const chunk of garbage.binary) bin.socket.send(Buffer.from(chunk));
    const handshake = await (await fetch(`${server.url}/socket.io/1/?t=${Date.now()}`)).text();
    const legacy = await rawWs(`/socket.io/1/websocket/${handshake.split(':')[0]}`);
    for (const p of garbage.legacy) {
      if (legacy.socket.readyState === WebSocket.OPEN) legacy.socket.send(p);
    }
    const engine = await rawWs('/socket.io/?EIO=4&transport=websocket');
    for (const p of garbage.engine) {
      if (engine.socket.readyState === WebSocket.OPEN) engine.socket.send(p);
    }
    sent += 5000;
    // A ping on the binary-fuzzed connection still gets its answer: the connection survived.
    bin.socket.send(JSON.stringify({ action: 'ping', auth_token: id.token, request_id: 'after-garbage' }));
    await pollUntil('the ping after the garbage', () => (bin.frames.some((f) => f.includes('"after-garbage"')) ? true : undefined), 15000);
    for (const c of [bin, legacy, engine]) c.socket.close();
  })();

  await Promise.all([...wsRuns, ...sioRuns, ...legacyRuns, garbageRuns]);
  expect(sent).toBe(100000);
  expect(repliedTotal).toBe(expectedTotal);
  expect(expectedTotal).toBeGreaterThan(80000);
  expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  await pollUntil('every fuzz connection to be gone', () => (server.app.hub.sessions.size === 0 ? true : undefined), 10000);
  // Live heap once every connection is gone: what 100,000 messages left behind, not garbage awaiting GC.
  const heapAfter = heapAfterGc();
  expect(heapAfter - heapBefore).toBeLessThan(32 * 1024 * 1024);
  if (process.env['EH_FUZZ_REPORT']) process.stderr.write(`fuzz: ${sent} messages, ${expectedTotal} replies, ${Date.now() - started} ms, heap +${Math.round((heapAfter - heapBefore) / 1048576)} MiB\n`);
  // Bounded by count (and each batch by 15 s): about 25 s alone on 2 cores, 60 s beside other load.
}, 180_000);

describe('deep nesting through every transport and the cluster query path', () => {
  let nodeA: TestServer;
  let nodeB: TestServer;

  beforeAll(async () => {
    const cluster = { redisUrl: process.env['EH_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379', redisPrefix: `eh-test-deep-${randomBytes(4).toString('hex')}`, rateLimitPerSecond: 0, maxAuthFailuresPerIp: 0 };
    [nodeA, nodeB] = await Promise.all([startTestServer(cluster), startTestServer(cluster)]);
  });
  afterAll(async () => {
    await Promise.all([nodeA.stop(), nodeB.stop()]);
  });

  it('answers every envelope nested up to 9,000 levels on every transport while the other node lists the connections', async () => {
    const onA = nodeA.addIdentity();
    const onB = nodeB.addIdentity({ account_id: onA.accountId });
    const peers = await rawPeers(nodeA.url);
    const listings: Array<{ status: number; views: number }> = [];
    const list = async () => {
      const res = await fetch(`${nodeB.url}/v2/accounts/${onA.accountId}/websockets`, { headers: { 'X-Auth-Token': onB.token } });
      const body = (await res.json()) as { data?: unknown[] };
      listings.push({ status: res.status, views: body.data?.length ?? 0 });
    };
    const PER_TRANSPORT = 180;
    const DEEP_BATCH = 30;
    await Promise.all(Object.entries(peers).map(async ([name, peer], k) => {
      const texts = deepCases(PER_TRANSPORT, 500 + k).map((c) => deepEnvelopeText(c, onA.token, onA.accountId));
      for (let i = 0; i < texts.length; i += DEEP_BATCH) {
        for (const [j, text] of texts.slice(i, i + DEEP_BATCH).entries()) await peer.send(text, i + j);
        const want = Math.min(i + DEEP_BATCH, texts.length);
        await pollUntil(`${name}: ${want} replies`, () => (peer.replies() >= want ? true : undefined), 15000, 5);
        await list();
      }
      expect(peer.replies()).toBe(PER_TRANSPORT);
    }));
    await list();
    for (const peer of Object.values(peers)) peer.close();
    // Node B asked node A through Redis after every batch: always answered, and it saw A's connections.
    expect(listings.every((l) => l.status === 200)).toBe(true);
    expect(Math.max(...listings.map((l) => l.views))).toBeGreaterThan(0);
    expect((await fetch(`${nodeA.url}/healthz`)).status).toBe(200);
  }, 120_000);
});

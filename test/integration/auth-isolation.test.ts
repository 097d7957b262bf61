// No one sees what is not theirs: 1,000+ cross-account subscription attempts (wrong tokens, unrelated,
// sibling and parent accounts, *, forged JWTs) through every client generation, each refused with an
// error reply, and not one event of another account delivered afterwards.
import { randomBytes } from 'node:crypto';
import { GENERATIONS, Generation, connectClient, EnvelopeClient, ReplyMessage, SocketIoV2Client, SocketIoV4Client } from '../helpers/clients';
import { newAccountId, newCallId } from '../helpers/ids';
import { forgeries, jwtKit, JwtKit } from '../helpers/jwt-keys';
import { KazooPublisher } from '../helpers/kazoo';
import { startTestServer, TestServer } from '../helpers/server';
import { Client09 } from '../helpers/legacy-client';

interface Attempt {
  token: string;
  accountId: string;
  binding: string | string[];
  expected: string;
}

const BINDINGS: Array<string | string[]> = ['call.CHANNEL_CREATE.*', 'call.*.*', ['call.CHANNEL_ANSWER.*', 'call.CHANNEL_DESTROY.*'], 'object.doc_created.user', 'doc_created.*.user.*'];
const LIMITS_OFF = { rateLimitPerSecond: 0, maxAuthFailuresPerIp: 0, authRecheckSeconds: 0 };

let kazoo: KazooPublisher;
let staticServer: TestServer;
let jwtServer: TestServer;
let kit: JwtKit;
let total = 0;

beforeAll(async () => {
  kazoo = await KazooPublisher.connect();
  staticServer = await startTestServer(LIMITS_OFF);
  kit = await jwtKit('RS256', 'pem');
  jwtServer = await startTestServer({ ...LIMITS_OFF, auth: 'jwt', jwtPublicKey: kit.keyFile });
});
afterAll(async () => {
  await kazoo.close();
  await staticServer.stop();
  await jwtServer.stop();
});

/** A reseller tree P → {C1, C2} and an unrelated account U, each with a token. */
function staticTree() {
  const [c1, c2] = [newAccountId(), newAccountId()];
  const parent = staticServer.addIdentity({ descendants: [c1, c2] });
  const child = staticServer.addIdentity({ account_id: c1 });
  const sibling = staticServer.addIdentity({ account_id: c2 });
  const unrelated = staticServer.addIdentity();
  return { parent, child, sibling, unrelated };
}

function attemptsStatic(n: number) {
  const { parent, child, sibling, unrelated } = staticTree();
  const victims = [parent.accountId, sibling.accountId, unrelated.accountId];
  const attempts: Attempt[] = [];
  for (let i = 0; attempts.length < n; i++) {
    const binding = BINDINGS[i % BINDINGS.length]!;
    const victim = victims[i % victims.length]!;
    const wrong = `tok-${randomBytes(12).toString('hex')}`;
    attempts.push({ token: wrong, accountId: victim, binding, expected: `failed to authenticate token ${wrong}` });
    attempts.push({ token: child.token, accountId: victim, binding, expected: 'unauthorized account id' });
    attempts.push({ token: sibling.token, accountId: i % 2 ? parent.accountId : child.accountId, binding, expected: 'unauthorized account id' });
    attempts.push({ token: unrelated.token, accountId: i % 2 ? child.accountId : parent.accountId, binding, expected: 'unauthorized account id' });
    attempts.push({ token: child.token, accountId: '*', binding, expected: 'unauthorized wildcard account id' });
  }
  return { own: child, victims: [...victims], attempts: attempts.slice(0, n) };
}

async function attemptsJwt(n: number) {
  const [own, sibling, parent, unrelated] = [newAccountId(), newAccountId(), newAccountId(), newAccountId()];
  const token = await kit.sign({ account_id: own });
  const victims = [sibling, parent, unrelated];
  const forged = (await Promise.all(victims.map((v) => forgeries(kit, token, v)))).flat();
  const attempts: Attempt[] = [];
  for (let i = 0; attempts.length < n; i++) {
    const binding = BINDINGS[i % BINDINGS.length]!;
    const victim = victims[i % victims.length]!;
    const f = forged[i % forged.length]!;
    attempts.push({ token: f.token, accountId: victim, binding, expected: `failed to authenticate token ${f.token}` });
    attempts.push({ token, accountId: victim, binding, expected: 'unauthorized account id' });
    attempts.push({ token, accountId: '*', binding, expected: 'unauthorized wildcard account id' });
  }
  return { own: { token, accountId: own }, victims, attempts: attempts.slice(0, n) };
}

/** Sends one attempt, as an envelope or (Socket.IO, every other one) a legacy emit. */
async function attempt(c: EnvelopeClient, a: Attempt, i: number): Promise<ReplyMessage> {
  const data = Array.isArray(a.binding) ? { account_id: a.accountId, bindings: a.binding } : { account_id: a.accountId, binding: a.binding };
  if ((c instanceof SocketIoV4Client || c instanceof SocketIoV2Client) && i % 2 === 1) {
    const requestId = `legacy-${i}-${randomBytes(4).toString('hex')}`;
    c.emitLegacy('subscribe', { ...data, auth_token: a.token, request_id: requestId });
    return c.nextReply((r) => r.request_id === requestId, 10_000);
  }
  return c.request({ action: 'subscribe', auth_token: a.token, data }, 10_000);
}

/** Account ids an event or named event carries. */
function accountsIn(value: unknown): string[] {
  const text = JSON.stringify(value) ?? '';
  return [...text.matchAll(/[0-9a-f]{32}/g)].map((m) => m[0]);
}

describe.each(GENERATIONS)('%s client', (generation: Generation) => {
  it.each([
    ['static tokens', 200],
    ['JWT', 134],
  ] as const)('%s: %i cross-account attempts are each refused, and nothing of another account arrives', async (driver, n) => {
    const server = driver === 'JWT' ? jwtServer : staticServer;
    const { own, victims, attempts } = driver === 'JWT' ? await attemptsJwt(n) : attemptsStatic(n);
    const c = await connectClient(generation, server.url);
    try {
      expect((await c.subscribe(own.token, own.accountId, 'call.CHANNEL_CREATE.*')).status).toBe('success');
      for (let from = 0; from < attempts.length; from += 50) {
        const batch = attempts.slice(from, from + 50);
        const replies = await Promise.all(batch.map((a, j) => attempt(c, a, from + j)));
        replies.forEach((reply, j) => expect({ reply, attempt: batch[j] }).toMatchObject({ reply: { status: 'error', data: { errors: [batch[j]!.expected] } } }));
      }
      total += attempts.length;
      if (c instanceof SocketIoV4Client || c instanceof SocketIoV2Client) expect(c.named('auth_failure').length).toBeGreaterThan(0);

      // Everything the victims could have been sent, then the subscriber's own sentinel on the same queue.
      for (const victim of victims) {
        const callId = newCallId();
        for (const name of ['CHANNEL_CREATE', 'CHANNEL_ANSWER', 'CHANNEL_DESTROY'] as const) await kazoo.call(name, victim, callId);
        await kazoo.docChange('doc_created', victim, 'user', randomBytes(16).toString('hex'));
      }
      const sentinel = newCallId();
      await kazoo.call('CHANNEL_CREATE', own.accountId, sentinel);
      await c.waitEvents('the sentinel', (e) => e.data['call_id'] === sentinel, 1, 10_000);

      const leaked = c.inbox.items.filter((item) => accountsIn(item.data).some((id) => victims.includes(id)));
      // Refusal replies name no account; events of the victims would.
      expect(leaked.filter((item) => (item.data as { action?: string } | null)?.action !== 'reply')).toEqual([]);
      expect(c.events().every((e) => e.routing_key.includes(own.accountId))).toBe(true);
      expect([...server.app.hub.index.allRooms()].filter((r) => victims.includes(r.accountId) || r.accountId === '*')).toEqual([]);
    } finally {
      await c.close();
    }
  });
});

describe('Socket.IO 0.9 client (KAZOO 3.x pages)', () => {
  /** A legacy emit("subscribe") and the reply envelope on `message` that answers it. */
  async function emit09(c: Client09, data: Record<string, unknown>, token: string): Promise<ReplyMessage> {
    const requestId = `r09-${randomBytes(6).toString('hex')}`;
    c.socket.emit('subscribe', { ...data, auth_token: token, request_id: requestId });
    const item = await c.inbox.wait('the reply', (i) => i.name === 'message' && (i.data as { request_id?: string } | null)?.request_id === requestId, 10_000);
    return item.data as ReplyMessage;
  }

  it.each([
    ['static tokens', 120],
    ['JWT', 80],
  ] as const)('%s: %i cross-account attempts are each refused, and nothing of another account arrives', async (driver, n) => {
    const server = driver === 'JWT' ? jwtServer : staticServer;
    const { own, victims, attempts } = driver === 'JWT' ? await attemptsJwt(n) : attemptsStatic(n);
    const c = Client09.open(server.url, 'websocket');
    try {
      await c.connected;
      expect((await emit09(c, { account_id: own.accountId, binding: 'call.CHANNEL_CREATE.*' }, own.token)).status).toBe('success');
      for (const a of attempts) {
        const data = Array.isArray(a.binding) ? { account_id: a.accountId, bindings: a.binding } : { account_id: a.accountId, binding: a.binding };
        const reply = await emit09(c, data, a.token);
        expect({ reply, attempt: a }).toMatchObject({ reply: { status: 'error', data: { errors: [a.expected] } } });
      }
      total += attempts.length;
      expect(c.named('auth_failure').length).toBeGreaterThan(0);
      for (const victim of victims) {
        await kazoo.call('CHANNEL_CREATE', victim, newCallId());
        await kazoo.docChange('doc_created', victim, 'user', randomBytes(16).toString('hex'));
      }
      const sentinel = newCallId();
      await kazoo.call('CHANNEL_CREATE', own.accountId, sentinel);
      await c.waitNamed('CHANNEL_CREATE', (d) => (d as Record<string, unknown>)['Call-ID'] === sentinel, 10_000);
      const leaked = c.inbox.items.filter((item) => accountsIn(item.data).some((id) => victims.includes(id)));
      expect(leaked.filter((item) => (item.data as { action?: string } | null)?.action !== 'reply')).toEqual([]);
    } finally {
      c.close();
    }
  });
});

it('made at least 1,000 attempts across the generations and drivers', () => {
  expect(total).toBeGreaterThanOrEqual(1000);
});

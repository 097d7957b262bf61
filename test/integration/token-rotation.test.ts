// Hours-long sessions across a token rotation, per client generation, each using only its own
// reconnect path: the client switches to a new token without sending anything, the old one is revoked,
// and within the re-check period plus 5 s events flow again with no reload. A client whose only token
// was revoked gets none afterwards, and a connection whose subscriptions all stay valid is never touched.
import fs from 'node:fs';
import { io as ioV4, Socket } from 'socket.io-client';
import { useBridge } from '../helpers/bridge-fixture';
import { newCallId } from '../helpers/ids';
import { Client09, Transport09 } from '../helpers/legacy-client';
import { MonsterRulesClient } from '../helpers/monster-rules-client';
import { pollUntil } from '../helpers/wait';
import { CloseCodes } from '../../src/protocol/close-codes';

const RECHECK_SECONDS = 1;
const bridge = useBridge({ authRecheckSeconds: RECHECK_SECONDS });
const BINDING = 'call.CHANNEL_CREATE.*';

/** One client of some generation, seen from outside: the call ids it received, when, and its connections. */
interface LongLivedClient {
  /** What the client sends from now on (it sends nothing when it switches). */
  token: string;
  readonly received: Array<{ callId: string; at: number }>;
  /** Times the client (re)connected. */
  connections(): number;
  close(): Promise<void> | void;
}

type Make = (url: string, token: string, accountId: string) => LongLivedClient;

function monsterRules(url: string, token: string, accountId: string): LongLivedClient {
  const self: LongLivedClient = { token, received: [], connections: () => client.opens.length, close: () => client.disconnect() };
  const client = new MonsterRulesClient(`${url.replace(/^http/, 'ws')}/`, () => self.token);
  client.connect();
  void pollUntil('the socket open', () => (client.isOpen ? true : undefined)).then(() =>
    client.bind({ accountId, binding: BINDING, callback: (data) => self.received.push({ callId: String(data['call_id']), at: Date.now() }) }),
  );
  return self;
}

function socketIoV4(url: string, token: string, accountId: string): LongLivedClient {
  // Built-in reconnection with its default delays; it subscribes on every connect that did not recover.
  const socket: Socket = ioV4(url, { forceNew: true });
  let connections = 0;
  const self: LongLivedClient = {
    token,
    received: [],
    connections: () => connections,
    close: () => void socket.close(),
  };
  socket.on('connect', () => {
    connections++;
    if (!socket.recovered) socket.emit('subscribe', { account_id: accountId, auth_token: self.token, binding: BINDING });
  });
  socket.on('CHANNEL_CREATE', (payload: Record<string, unknown>) => self.received.push({ callId: String(payload['Call-ID']), at: Date.now() }));
  return self;
}

/** socket.io-client 2.x (Engine.IO 3), as KAZOO-era apps bundled it; it has no connection-state recovery. */
function socketIoV2(url: string, token: string, accountId: string): LongLivedClient {
  // socket.io-client 2.x has no types of its own.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ioV2 = require('socket.io-client-v2') as (url: string, opts: Record<string, unknown>) => { on(e: string, fn: (p: Record<string, unknown>) => void): void; emit(e: string, d: unknown): void; close(): void };
  const socket = ioV2(url, { forceNew: true });
  let connections = 0;
  const self: LongLivedClient = { token, received: [], connections: () => connections, close: () => socket.close() };
  socket.on('connect', () => {
    connections++;
    socket.emit('subscribe', { account_id: accountId, auth_token: self.token, binding: BINDING });
  });
  socket.on('CHANNEL_CREATE', (payload) => self.received.push({ callId: String(payload['Call-ID']), at: Date.now() }));
  return self;
}

function socketIo09(transport: Transport09): Make {
  return (url, token, accountId) => {
    // Built-in reconnection (the helper sets a 100 ms first delay); it subscribes on every connect.
    const client = Client09.open(url, transport);
    let connections = 0;
    const self: LongLivedClient = {
      token,
      received: [],
      connections: () => connections,
      close: () => client.close(),
    };
    client.socket.on('connect', () => {
      connections++;
      client.socket.emit('subscribe', { account_id: accountId, auth_token: self.token, binding: BINDING });
    });
    client.socket.on('CHANNEL_CREATE', (payload) => self.received.push({ callId: String((payload as Record<string, unknown>)['Call-ID']), at: Date.now() }));
    return self;
  };
}

function revokeTokens(...tokens: string[]): void {
  const file = JSON.parse(fs.readFileSync(bridge.server.tokensFile, 'utf8')) as { tokens: Record<string, unknown> };
  for (const t of tokens) delete file.tokens[t];
  fs.writeFileSync(bridge.server.tokensFile, JSON.stringify(file));
}

/** Publishes fresh calls to `accountId` until `client` receives one; resolves with when it did. */
async function receivesAgain(client: LongLivedClient, accountId: string, timeoutMs: number): Promise<number> {
  return pollUntil(
    'an event on the rotated client',
    async () => {
      const callId = newCallId();
      await bridge.kazoo.call('CHANNEL_CREATE', accountId, callId);
      return pollUntil('it', () => client.received.find((r) => r.callId === callId)?.at, 400).catch(() => undefined);
    },
    timeoutMs,
    0,
  );
}

const generations: Array<[string, Make]> = [
  ['raw WebSocket, Monster UI rules', monsterRules],
  ['Socket.IO v4 client', socketIoV4],
  ['Socket.IO v2 client (Engine.IO 3)', socketIoV2],
  ['Socket.IO 0.9 client (websocket)', socketIo09('websocket')],
  ['Socket.IO 0.9 client (xhr-polling)', socketIo09('xhr-polling')],
];

it.each(generations)('%s: events resume after a token rotation; a revoked-only client gets none; a valid one is untouched', async (_name, make) => {
  const rotatedAccount = bridge.server.addIdentity();
  const t2 = bridge.server.addIdentity({ account_id: rotatedAccount.accountId });
  const revokedOnly = bridge.server.addIdentity();
  const steady = bridge.server.addIdentity();
  const rotating = bridge.track(make(bridge.server.url, rotatedAccount.token, rotatedAccount.accountId) as LongLivedClient & { close(): Promise<void> });
  const revoked = bridge.track(make(bridge.server.url, revokedOnly.token, revokedOnly.accountId) as LongLivedClient & { close(): Promise<void> });
  const untouched = bridge.track(make(bridge.server.url, steady.token, steady.accountId) as LongLivedClient & { close(): Promise<void> });
  for (const [client, account] of [[rotating, rotatedAccount], [revoked, revokedOnly], [untouched, steady]] as const) await receivesAgain(client, account.accountId, 5000);

  // The client logs in again and holds T2, but sends nothing on its open socket.
  rotating.token = t2.token;
  const revokedAt = Date.now();
  revokeTokens(rotatedAccount.token, revokedOnly.token);

  const deadline = RECHECK_SECONDS * 1000 + 5000;
  // The re-check cuts the connection (its T1 subscriptions ended); the client's own reconnect sends T2.
  await pollUntil('the rotated client reconnected', () => (rotating.connections() >= 2 ? true : undefined), deadline);
  const resumedAt = await receivesAgain(rotating, rotatedAccount.accountId, deadline - (Date.now() - revokedAt));
  expect(resumedAt - revokedAt).toBeLessThan(deadline);

  // The revoked-only client was cut too and came back: its re-subscribe with T1 was refused.
  await pollUntil('the revoked client reconnected', () => (revoked.connections() >= 2 ? true : undefined), deadline);
  const cutAt = Date.now();
  const [lost, sentinel, steadySentinel] = [newCallId(), newCallId(), newCallId()];
  await bridge.kazoo.call('CHANNEL_CREATE', revokedOnly.accountId, lost);
  await bridge.kazoo.call('CHANNEL_CREATE', rotatedAccount.accountId, sentinel);
  await bridge.kazoo.call('CHANNEL_CREATE', steady.accountId, steadySentinel);
  await pollUntil('the sentinels', () => (rotating.received.some((r) => r.callId === sentinel) && untouched.received.some((r) => r.callId === steadySentinel) ? true : undefined));
  // Give the revoked client the same chance: more than one more re-check round.
  await pollUntil('another re-check round', () => (Date.now() - cutAt > RECHECK_SECONDS * 1000 + 500 ? true : undefined), RECHECK_SECONDS * 1000 + 2000);
  expect(revoked.received.filter((r) => r.at >= cutAt)).toEqual([]);
  expect(untouched.connections()).toBe(1);
}, 30000);

it('raw WebSocket: the server ends a rotated connection with close code 4401, and Monster UI rules re-subscribe after 250 ms', async () => {
  const id = bridge.server.addIdentity();
  const t2 = bridge.server.addIdentity({ account_id: id.accountId });
  let token = id.token;
  const client = bridge.track(new MonsterRulesClient(`${bridge.server.url.replace(/^http/, 'ws')}/`, () => token));
  client.connect();
  await pollUntil('open', () => (client.isOpen ? true : undefined));
  const received: string[] = [];
  client.bind({ accountId: id.accountId, binding: BINDING, callback: (d) => received.push(String(d['call_id'])) });
  await pollUntil('subscribed', () => ([...bridge.server.app.hub.sessions].some((s) => s.held.size === 1) ? true : undefined));
  token = t2.token;
  revokeTokens(id.token);
  await pollUntil('the reconnection', () => (client.opens.length === 2 ? true : undefined), RECHECK_SECONDS * 1000 + 5000);
  expect(client.closeCodes).toEqual([CloseCodes.credentialsEnded]);
  // First retry after 250 ms (the real client's 125 ms doubled), not sooner.
  const closedAt = client.opens[1]! - 250;
  expect(closedAt).toBeGreaterThan(client.opens[0]!);
  // The notice had a request id it never issued: only logged.
  expect(client.logged.some((e) => e.startsWith(`failed to authenticate token ${id.token}`))).toBe(true);
  const callId = newCallId();
  await pollUntil('the event', async () => {
    if (!received.includes(callId)) await bridge.kazoo.call('CHANNEL_CREATE', id.accountId, callId);
    return received.includes(callId) ? true : undefined;
  }, 5000, 300);
});

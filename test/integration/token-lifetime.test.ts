// Token lifetime with the static driver: removing a token from the file, or an account from a token's
// descendants, ends those subscriptions with an error saying so, then the connection that held them (its
// client reconnects and subscribes again); other connections are untouched; a refreshed token keeps them.
import { useBridge } from '../helpers/bridge-fixture';
import fs from 'node:fs';
import { connectClient, EnvelopeClient, Generation, WsClient } from '../helpers/clients';
import { newAccountId, newCallId } from '../helpers/ids';
import { pollUntil } from '../helpers/wait';
import { io as ioV4, Socket } from 'socket.io-client';
import { CloseCodes, CREDENTIALS_ENDED_REASON } from '../../src/protocol/close-codes';

// Only reloads of the tokens file trigger re-validation here (no periodic round).
const bridge = useBridge({ authRecheckSeconds: 0 });

async function client(generation: Generation = 'websocket'): Promise<EnvelopeClient> {
  const c = await connectClient(generation, bridge.server.url);
  bridge.track(c);
  return c;
}

/** Edits the tokens file the way an operator would; the bridge notices within a second. */
function editTokens(edit: (tokens: Record<string, { account_id: string; descendants?: string[] }>) => void): void {
  const file = JSON.parse(fs.readFileSync(bridge.server.tokensFile, 'utf8')) as { tokens: Record<string, { account_id: string; descendants?: string[] }> };
  edit(file.tokens);
  fs.writeFileSync(bridge.server.tokensFile, JSON.stringify(file));
}

/** Nothing for `silentAccount` reaches `c`, while `live` (another connection) still gets `liveAccount`'s events. */
async function provesSilence(c: EnvelopeClient, silentAccount: string, live: EnvelopeClient, liveAccount: string): Promise<void> {
  const [lost, sentinel] = [newCallId(), newCallId()];
  await bridge.kazoo.call('CHANNEL_CREATE', silentAccount, lost);
  await bridge.kazoo.call('CHANNEL_CREATE', liveAccount, sentinel);
  await live.waitEvents('the sentinel', (e) => e.data['call_id'] === sentinel);
  expect(c.events((e) => e.data['call_id'] === lost)).toEqual([]);
}

/** The server ended `c` the way its client reconnects from: close code 4401 on raw WebSocket, a transport close on Socket.IO. */
async function expectEndedForCredentials(c: EnvelopeClient): Promise<void> {
  const ended = await c.ended();
  if (c.generation === 'websocket') expect(ended).toEqual({ code: CloseCodes.credentialsEnded, reason: CREDENTIALS_ENDED_REASON });
  else expect(ended).toBe('transport close');
}

it.each(['websocket', 'socketio-v4'] as const)('%s: a token removed from the file ends its subscriptions with an error, then their connection; another connection goes on', async (generation) => {
  const a = bridge.server.addIdentity();
  const b = bridge.server.addIdentity();
  const c = await client(generation);
  const other = await client(generation);
  expect((await c.subscribe(a.token, a.accountId, 'call.CHANNEL_CREATE.*')).status).toBe('success');
  expect((await c.subscribe(b.token, b.accountId, 'call.CHANNEL_CREATE.*')).status).toBe('success');
  expect((await other.subscribe(b.token, b.accountId, 'call.CHANNEL_CREATE.*')).status).toBe('success');

  editTokens((tokens) => delete tokens[a.token]);
  const notice = await c.nextReply((r) => r.status === 'error', 5000);
  expect(notice.data).toMatchObject({
    errors: [`failed to authenticate token ${a.token}: token revoked or expired, its subscriptions ended`],
    account_id: a.accountId,
    unsubscribed: ['call.CHANNEL_CREATE.*'],
    subscribed: [],
  });
  await expectEndedForCredentials(c);
  await provesSilence(c, a.accountId, other, b.accountId);
  expect(other.inbox.filter((i) => i.name === 'close' || i.name === 'disconnect')).toEqual([]);
  // The same token is refused from now on, with KAZOO's text.
  const again = await client(generation);
  expect((await again.subscribe(a.token, a.accountId, 'call.CHANNEL_CREATE.*')).data.errors).toEqual([`failed to authenticate token ${a.token}`]);
});

it('an account removed from a token’s descendants ends that account’s subscriptions and their connection; the token still serves its own', async () => {
  const child = newAccountId();
  const parent = bridge.server.addIdentity({ descendants: [child] });
  const c = await client();
  const own = await client();
  expect((await c.subscribe(parent.token, child, 'call.CHANNEL_CREATE.*')).status).toBe('success');
  expect((await c.subscribe(parent.token, parent.accountId, 'call.CHANNEL_CREATE.*')).status).toBe('success');
  expect((await own.subscribe(parent.token, parent.accountId, 'call.CHANNEL_CREATE.*')).status).toBe('success');

  editTokens((tokens) => {
    tokens[parent.token]!.descendants = [];
  });
  const notice = await c.nextReply((r) => r.status === 'error', 5000);
  expect(notice.data.errors).toEqual([`unauthorized account id ${child}: access withdrawn, its subscriptions ended`]);
  await expectEndedForCredentials(c);
  await provesSilence(c, child, own, parent.accountId);
  expect(own.inbox.filter((i) => i.name === 'close')).toEqual([]);
});

it('a subscription refreshed with a newer token survives the old token’s removal', async () => {
  const account = newAccountId();
  const oldToken = bridge.server.addIdentity({ account_id: account });
  const newToken = bridge.server.addIdentity({ account_id: account });
  const canary = bridge.server.addIdentity();
  const c = await client();
  const watcher = await client();
  expect((await c.subscribe(oldToken.token, account, 'call.CHANNEL_CREATE.*')).status).toBe('success');
  // Monster UI sends its refreshed token on later frames of the same socket.
  expect((await c.subscribe(newToken.token, account, 'call.CHANNEL_CREATE.*')).status).toBe('success');
  expect((await watcher.subscribe(canary.token, canary.accountId, 'call.CHANNEL_CREATE.*')).status).toBe('success');

  editTokens((tokens) => {
    delete tokens[oldToken.token];
    delete tokens[canary.token];
  });
  // The canary's notice shows the re-validation round ran.
  await watcher.nextReply((r) => r.status === 'error', 5000);
  const callId = newCallId();
  await bridge.kazoo.call('CHANNEL_CREATE', account, callId);
  await c.waitEvents('the event', (e) => e.data['call_id'] === callId);
  expect(c.envelopes().filter((e) => (e as { status?: string }).status === 'error')).toEqual([]);
});

describe('subscriptions carried over by missed-event recovery stay tied to their token', () => {
  it('Socket.IO v4: after a recovered reconnection, removing the token still ends the subscription with a notice, and the connection', async () => {
    const id = bridge.server.addIdentity();
    const other = bridge.server.addIdentity();
    const socket: Socket = ioV4(bridge.server.url, { transports: ['websocket'], forceNew: true, reconnectionDelay: 100, reconnectionDelayMax: 200 });
    const seen: unknown[] = [];
    socket.onAny((name: string, payload: unknown) => seen.push({ name, payload }));
    try {
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      expect(await socket.emitWithAck('subscribe', { account_id: id.accountId, auth_token: id.token, binding: 'call.CHANNEL_CREATE.*' })).toMatchObject({ status: 'success' });
      const sessions = bridge.server.app.hub.sessions.size;
      const reconnected = new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      socket.io.engine.close();
      await pollUntil('the server to see the transport gone', () => (bridge.server.app.hub.sessions.size === sessions - 1 ? true : undefined));
      await reconnected;
      expect(socket.recovered).toBe(true);
      await pollUntil('the subscription moved', () => ([...bridge.server.app.hub.sessions].some((s) => s.held.size === 1 && s.transport.generation === 'socketio') ? true : undefined));
      // A second account on the same socket, still valid, carries the sentinel.
      expect(await socket.emitWithAck('subscribe', { account_id: other.accountId, auth_token: other.token, binding: 'call.CHANNEL_CREATE.*' })).toMatchObject({ status: 'success' });

      editTokens((tokens) => delete tokens[id.token]);
      await pollUntil('the auth_failure', () => (seen.some((s) => (s as { name: string }).name === 'auth_failure') ? true : undefined), 5000);
      // Then the connection ends with its recovery refused: the client comes back to a fresh socket and subscribes again.
      await pollUntil('a fresh reconnection', () => (socket.connected && !socket.recovered ? true : undefined), 5000);
      expect(await socket.emitWithAck('subscribe', { account_id: other.accountId, auth_token: other.token, binding: 'call.CHANNEL_CREATE.*' })).toMatchObject({ status: 'success' });
      const [lost, sentinel] = [newCallId(), newCallId()];
      await bridge.kazoo.call('CHANNEL_CREATE', id.accountId, lost);
      await bridge.kazoo.call('CHANNEL_CREATE', other.accountId, sentinel);
      const callIds = () => seen.filter((s) => (s as { name: string }).name === 'CHANNEL_CREATE').map((s) => (s as { payload: Record<string, unknown> }).payload['Call-ID']);
      await pollUntil('the sentinel', () => (callIds().includes(sentinel) ? true : undefined));
      expect(callIds()).not.toContain(lost);
    } finally {
      socket.close();
    }
  });

  it('Socket.IO v4: a token removed while its connection was away ends the subscription as soon as it is recovered', async () => {
    const id = bridge.server.addIdentity();
    const other = bridge.server.addIdentity();
    // Reconnects only after the tokens file was re-read (watched every 500 ms).
    const socket: Socket = ioV4(bridge.server.url, { transports: ['websocket'], forceNew: true, reconnectionDelay: 2500, reconnectionDelayMax: 2500, randomizationFactor: 0 });
    const seen: Array<{ name: string; payload: unknown }> = [];
    socket.onAny((name: string, payload: unknown) => seen.push({ name, payload }));
    try {
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      expect(await socket.emitWithAck('subscribe', { account_id: id.accountId, auth_token: id.token, binding: 'call.CHANNEL_CREATE.*' })).toMatchObject({ status: 'success' });
      expect(await socket.emitWithAck('subscribe', { account_id: other.accountId, auth_token: other.token, binding: 'call.CHANNEL_CREATE.*' })).toMatchObject({ status: 'success' });
      const sessions = bridge.server.app.hub.sessions.size;
      const reconnected = new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      socket.io.engine.close();
      await pollUntil('the server to see the transport gone', () => (bridge.server.app.hub.sessions.size === sessions - 1 ? true : undefined));

      editTokens((tokens) => delete tokens[id.token]);
      await pollUntil('the tokens file re-read', async () => ((await bridge.server.app.security.authenticator.authenticate(id.token)).ok ? undefined : true));
      await reconnected;
      expect(socket.recovered).toBe(true);
      await pollUntil('the auth_failure', () => (seen.some((s) => s.name === 'auth_failure') ? true : undefined), 5000);
      // Then the connection ends with its recovery refused: the client comes back to a fresh socket and subscribes again.
      await pollUntil('a fresh reconnection', () => (socket.connected && !socket.recovered ? true : undefined), 5000);
      expect(await socket.emitWithAck('subscribe', { account_id: other.accountId, auth_token: other.token, binding: 'call.CHANNEL_CREATE.*' })).toMatchObject({ status: 'success' });
      const [lost, sentinel] = [newCallId(), newCallId()];
      await bridge.kazoo.call('CHANNEL_CREATE', id.accountId, lost);
      await bridge.kazoo.call('CHANNEL_CREATE', other.accountId, sentinel);
      const callIds = () => seen.filter((s) => s.name === 'CHANNEL_CREATE').map((s) => (s.payload as Record<string, unknown>)['Call-ID']);
      await pollUntil('the sentinel', () => (callIds().includes(sentinel) ? true : undefined));
      expect(callIds()).not.toContain(lost);
    } finally {
      socket.close();
    }
  });

  it('raw WebSocket resume: the resumed subscriptions end when the resuming token is removed', async () => {
    const account = newAccountId();
    const first = bridge.server.addIdentity({ account_id: account });
    const resumer = bridge.server.addIdentity({ account_id: account });
    const a = await client();
    const token = (await a.subscribe(first.token, account, 'call.CHANNEL_CREATE.*')).data['resume_token'] as string;
    const sessions = bridge.server.app.hub.sessions.size;
    if (!(a instanceof WsClient)) throw new Error('a raw WebSocket client was expected');
    a.socket.terminate();
    await pollUntil('the connection parked', () => (bridge.server.app.hub.sessions.size === sessions - 1 ? true : undefined));
    const b = await client();
    expect((await b.request({ action: 'resume', auth_token: resumer.token, data: { resume_token: token } })).status).toBe('success');

    editTokens((tokens) => delete tokens[resumer.token]);
    const notice = await b.nextReply((r) => r.status === 'error', 5000);
    expect(notice.data.errors).toEqual([`failed to authenticate token ${resumer.token}: token revoked or expired, its subscriptions ended`]);
  });
});

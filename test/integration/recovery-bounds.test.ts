// The memory bound of missed-event recovery (EH_RECOVERY_MAX_EVENTS): past the cap the oldest missed
// events go, a resuming client learns it was not fully recovered, and Socket.IO's buffer stays capped.
import { useBridge } from '../helpers/bridge-fixture';
import { io as ioV4, Socket } from 'socket.io-client';
import { WsClient } from '../helpers/clients';
import { newCallId } from '../helpers/ids';
import { pollUntil } from '../helpers/wait';

const CAP = 100;
const PUBLISHED = 160;

const bridge = useBridge({ recoveryWindowMs: 30_000, recoveryMaxEvents: CAP });

async function ws(): Promise<WsClient> {
  const c = await WsClient.connect(bridge.server.url.replace('http', 'ws') + '/');
  bridge.track(c);
  return c;
}

async function gauge(name: string): Promise<number> {
  const text = await (await fetch(`${bridge.server.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  if (!line) throw new Error(`metric ${name} not exposed`);
  return Number(line.split(' ')[1]);
}

/** Publishes PUBLISHED events numbered 1…N and waits until a live client of the same binding has them all. */
async function publishAndWitness(accountId: string, callId: string, witness: WsClient): Promise<void> {
  for (let seq = 1; seq <= PUBLISHED; seq++) await bridge.kazoo.call('CHANNEL_CREATE', accountId, callId, { Seq: seq });
  await witness.waitEvents('every event at the live client', (e) => e.data['call_id'] === callId, PUBLISHED, 15_000);
}

it('a raw WebSocket client that missed more than the cap resumes with the newest events and recovered: false', async () => {
  const id = bridge.server.addIdentity();
  const callId = newCallId();
  const witness = await ws();
  await witness.subscribe(id.token, id.accountId, 'call.CHANNEL_CREATE.*');
  const first = await ws();
  const token = (await first.subscribe(id.token, id.accountId, 'call.CHANNEL_CREATE.*')).data['resume_token'] as string;
  const sessions = bridge.server.app.hub.sessions.size;
  first.socket.terminate();
  await pollUntil('the server to see the connection gone', () => (bridge.server.app.hub.sessions.size === sessions - 1 ? true : undefined));

  await publishAndWitness(id.accountId, callId, witness);
  expect(await gauge('eh_recovery_journal_events')).toBeLessThanOrEqual(CAP);

  const second = await ws();
  const resumed = await second.request({ action: 'resume', auth_token: id.token, data: { resume_token: token } });
  expect(resumed.status).toBe('success');
  expect(resumed.data['recovered']).toBe(false);
  const missed = resumed.data['missed'] as number;
  expect(missed).toBeGreaterThan(0);
  expect(missed).toBeLessThanOrEqual(CAP);
  const replayed = await second.waitEvents('the replayed events', (e) => e.data['call_id'] === callId, missed);
  // The newest ones, in order, ending with the last published.
  const seqs = replayed.map((e) => e.data['seq'] as number);
  expect(seqs).toEqual(Array.from({ length: missed }, (_, i) => PUBLISHED - missed + 1 + i));
});

it('keeps Socket.IO recovery to the cap: a client that missed more is not recovered and starts afresh', async () => {
  const id = bridge.server.addIdentity();
  const callId = newCallId();
  const witness = await ws();
  await witness.subscribe(id.token, id.accountId, 'call.CHANNEL_CREATE.*');
  const socket: Socket = ioV4(bridge.server.url, { transports: ['websocket'], forceNew: true, reconnectionDelay: 100, reconnectionDelayMax: 200 });
  try {
    let offset: string | undefined;
    socket.on('message', (...args: unknown[]) => {
      const last = args[args.length - 1];
      if (typeof last === 'string') offset = last;
    });
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    await socket.emitWithAck('subscribe', { account_id: id.accountId, auth_token: id.token, binding: 'call.CHANNEL_CREATE.*' });
    // One event first, so the client holds an offset.
    await bridge.kazoo.call('CHANNEL_CREATE', id.accountId, callId, { Seq: 0 });
    await witness.waitEvents('the first event', (e) => e.data['call_id'] === callId);
    // With connection-state recovery on, each event's last argument is its offset, which the client keeps.
    await pollUntil('the client to be handed an offset', () => offset);

    // Hold the client off while the events flow: it cannot reconnect before they are all published.
    socket.io.reconnection(false);
    const sessions = bridge.server.app.hub.sessions.size;
    socket.io.engine.close();
    await pollUntil('the server to see the transport gone', () => (bridge.server.app.hub.sessions.size === sessions - 1 ? true : undefined));
    await publishAndWitness(id.accountId, callId, witness);
    // Two packets an event (its name and `message`), trimmed in slices of a tenth above the cap.
    expect(await gauge('eh_recovery_socketio_packets')).toBeLessThanOrEqual(2 * CAP * 1.1);
    expect(await gauge('eh_recovery_socketio_evicted_packets')).toBeGreaterThan(0);

    const reconnected = new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.io.reconnection(true);
    socket.connect();
    await reconnected;
    expect(socket.recovered).toBe(false);
    // A fresh session: the client subscribes again and is served as before.
    const again = await socket.emitWithAck('subscribe', { account_id: id.accountId, auth_token: id.token, binding: 'call.CHANNEL_CREATE.*' });
    expect(again).toMatchObject({ status: 'success' });
  } finally {
    socket.close();
  }
});

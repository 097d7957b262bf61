// Every non-call family end to end: subscribe, KAZOO publishes on its exchange and key, the exact
// envelope arrives, another account's subscriber never sees it, and bad bindings get KAZOO's texts.
import { useBridge } from '../helpers/bridge-fixture';
import { connectClient, EnvelopeClient, Generation, SocketIoV2Client, SocketIoV4Client } from '../helpers/clients';
import { newAccountId } from '../helpers/ids';
import type { TestIdentity } from '../helpers/server';
import { Client09 } from '../helpers/legacy-client';
import { publicPayload } from '../../src/protocol/payload';
import { encodeKeyPart } from '../../src/bindings/key-encoding';
import { encodedAccountModb } from '../../src/bindings/families/fax';
import { realmDirectory } from '../../src/bindings/realm-directory';
import {
  KazooMessage, docChange, faxStatus, presenceDialog, presenceMwi, qubicleSession, registrationSuccess, voicemailNew,
} from '../../src/simulator/kazoo-family-events';

const bridge = useBridge();

async function client(generation: Generation): Promise<EnvelopeClient> {
  const c = await connectClient(generation, bridge.server.url);
  bridge.track(c);
  return c;
}

/** An account with a token and its own SIP realm. */
function identity(): TestIdentity & { realm: string } {
  const id = bridge.server.addIdentity();
  const realm = `${id.accountId.slice(0, 8)}.sip.example.com`;
  realmDirectory.set(id.accountId, realm);
  return { ...id, realm };
}

async function publish(msg: KazooMessage): Promise<KazooMessage> {
  await bridge.kazoo.publish(msg.exchange, msg.routingKey, msg.payload);
  return msg;
}

interface FamilyCase {
  binding: string;
  event: (acct: string, realm: string, id: string) => KazooMessage;
  subscriptionKey: (acct: string, realm: string) => string;
}

const realmKey = (realm: string) => encodeKeyPart(realm);
const CASES: FamilyCase[] = [
  { binding: 'fax.status.*', event: (a, _r, id) => faxStatus({ accountId: a, id }), subscriptionKey: (a) => `fax.status.${a}.*` },
  { binding: 'fax.object.doc_created', event: (a, _r, id) => docChange({ accountId: a, id, action: 'doc_created', type: 'fax' }), subscriptionKey: (a) => `doc_created.${encodedAccountModb(a)}.fax.*` },
  { binding: 'presence.dialog.*', event: (a, r, id) => presenceDialog({ accountId: a, realm: r, id: `${id}@h` }), subscriptionKey: (_a, r) => `dialog.${realmKey(r)}.*` },
  { binding: 'presence.mwi_updates.1001', event: (a, r) => presenceMwi({ accountId: a, realm: r, id: '1001' }), subscriptionKey: (_a, r) => `mwi_updates.${realmKey(r)}.1001` },
  { binding: 'registration.success', event: (a, r, id) => registrationSuccess({ accountId: a, realm: r, id }), subscriptionKey: (_a, r) => `registration.success.${realmKey(r)}.*` },
  { binding: 'qubicle.session', event: (a, _r, id) => qubicleSession({ accountId: a, id }), subscriptionKey: (a) => `qubicle.${a}.session` },
  { binding: 'notification.voicemail.new', event: (a, _r, id) => voicemailNew({ accountId: a, id }), subscriptionKey: (a) => `notifications.${a}.voicemail.new` },
];

describe.each(['websocket', 'socketio-v4'] as Generation[])('%s client', (generation) => {
  it.each(CASES.map((c) => [c.binding, c] as const))('%s: exact delivery, never to another account', async (_b, c) => {
    const alice = identity();
    const bob = identity();
    const [a, b] = await Promise.all([client(generation), client(generation)]);
    expect((await a.subscribe(alice.token, alice.accountId, c.binding)).data).toMatchObject({ subscribed: [c.binding] });
    expect((await b.subscribe(bob.token, bob.accountId, c.binding)).status).toBe('success');

    const mine = await publish(c.event(alice.accountId, alice.realm, 'a1'));
    const sentinel = await publish(c.event(bob.accountId, bob.realm, 'b1'));
    const [event] = await a.waitEvents(`${c.binding} for alice`, () => true);
    expect(event).toEqual({
      action: 'event',
      subscribed_key: c.binding,
      subscription_key: c.subscriptionKey(alice.accountId, alice.realm),
      name: mine.payload['Event-Name'],
      routing_key: mine.routingKey,
      data: publicPayload(mine.payload),
    });
    const [seen] = await b.waitEvents(`${c.binding} sentinel for bob`, (e) => e.routing_key === sentinel.routingKey);
    expect(seen!.data).toEqual(publicPayload(sentinel.payload));
    // Bob's sentinel came after Alice's event on the same queue: had Alice's reached Bob, it would be here.
    expect(b.events()).toHaveLength(1);
    expect(a.events()).toHaveLength(1);
  });
});

describe('Socket.IO named events of the new families', () => {
  it.each([
    ['v4', (url: string) => SocketIoV4Client.connect(url)],
    ['v2 (EIO3)', (url: string) => SocketIoV2Client.connect(url)],
  ])('%s: fax.status carries the normalized payload, as KAZOO 3.x sent it', async (_n, connect) => {
    const alice = identity();
    const c = await connect(bridge.server.url);
    bridge.track(c);
    c.emitLegacy('subscribe', { account_id: alice.accountId, auth_token: alice.token, binding: 'fax.status.*' });
    await c.nextReply((r) => r.status === 'success');
    const fax = await publish(faxStatus({ accountId: alice.accountId }));
    expect(await c.waitNamed('fax.status')).toEqual(publicPayload(fax.payload));
  });

  it('a KAZOO 3.x page (Socket.IO 0.9) gets fax.status with the normalized payload', async () => {
    const alice = identity();
    const c = Client09.open(bridge.server.url, 'websocket');
    try {
      await c.connected;
      const [reply] = await c.emitWithAck('subscribe', { account_id: alice.accountId, auth_token: alice.token, binding: 'fax.status.*' });
      expect(reply).toMatchObject({ status: 'success' });
      const fax = await publish(faxStatus({ accountId: alice.accountId }));
      expect(await c.waitNamed('fax.status')).toEqual(publicPayload(fax.payload));
    } finally {
      c.close();
    }
  });

  it('registration events are named by Event-Name with the raw payload', async () => {
    const alice = identity();
    const c = await SocketIoV4Client.connect(bridge.server.url);
    bridge.track(c);
    await c.subscribe(alice.token, alice.accountId, 'registration.success');
    const reg = await publish(registrationSuccess({ accountId: alice.accountId, realm: alice.realm }));
    expect(await c.waitNamed('reg_success')).toEqual(reg.payload);
  });
});

describe('validation', () => {
  it.each([
    ['fax.foo.x', 'invalid format for fax subscription : foo, x'],
    ['fax.status', 'invalid format for fax subscription : status'],
    ['presence.foo.x', 'event foo not supported'],
    ['presence.dialog', 'invalid format for presence subscription : dialog'],
    ['registration.failure', 'invalid format for registration subscription : failure'],
    ['qubicle.agent', 'invalid format for qubicle subscription : agent'],
    ['notification.voicemail', 'invalid format for notification subscription : voicemail'],
    ['app_event.crm', 'invalid format for app_event subscription : crm'],
  ])('%s → %s', async (binding, text) => {
    const alice = identity();
    const c = await client('websocket');
    const reply = await c.subscribe(alice.token, alice.accountId, binding);
    expect(reply).toMatchObject({ status: 'error', data: { errors: [text] } });
  });

  it('refuses realm-keyed bindings for an account whose realm is unknown, naming the setting', async () => {
    const noRealm = bridge.server.addIdentity({ account_id: newAccountId() });
    const c = await client('socketio-v4');
    const reply = await c.subscribe(noRealm.token, noRealm.accountId, 'presence.dialog.*');
    expect(reply.data.errors![0]).toBe(`presence bindings need the account's SIP realm, and none is known for account ${noRealm.accountId} (see EH_REALMS_FILE)`);
  });
});

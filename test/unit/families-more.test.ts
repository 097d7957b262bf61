// The fax, presence, registration, qubicle, notification and app_event families as pure functions:
// KAZOO's keys and texts, and every match key carrying the account.
import { BindingCatalogue } from '../../src/bindings/catalogue';
import { TopicTrie } from '../../src/bindings/topic-trie';
import { encodedAccountModb, faxStatusRoutingKey } from '../../src/bindings/families/fax';
import { createPresenceFamily, presenceRoutingKey } from '../../src/bindings/families/presence';
import { createRegistrationFamily, registrationRoutingKey } from '../../src/bindings/families/registration';
import { qubicleRoutingKey } from '../../src/bindings/families/qubicle';
import { NO_ACCOUNT } from '../../src/bindings/families/notification';
import { appEventRoutingKey, presentAppEvent } from '../../src/bindings/families/app-event';
import { callFamily } from '../../src/bindings/families/call';
import { objectFamily } from '../../src/bindings/families/object';
import { faxFamily } from '../../src/bindings/families/fax';
import { qubicleFamily } from '../../src/bindings/families/qubicle';
import { notificationFamily } from '../../src/bindings/families/notification';
import { appEventFamily } from '../../src/bindings/families/app-event';
import { RealmDirectory } from '../../src/bindings/realm-directory';
import { planner } from '../helpers/catalogue-plans';

const A = '4b8c6fec4b2597882c0390202d195419';
const B = '0123456789abcdef0123456789abcdef';
const realms = new RealmDirectory();
realms.set(A, 'a.sip.example.com');
realms.set(B, 'b.sip.example.com');
const catalogue = new BindingCatalogue([
  callFamily, objectFamily, faxFamily, createPresenceFamily(realms), createRegistrationFamily(realms), qubicleFamily, notificationFamily, appEventFamily,
]);

const { plan, error } = planner(catalogue, A);
/** Whether a delivery reaches a subscription: routed through the catalogue, matched as the hub does. */
function reaches(binding: string, account: string, exchange: string, key: string, payload: Record<string, unknown> = {}): boolean {
  const trie = new TopicTrie<string>();
  for (const k of plan(binding, account).keys) trie.add(k.matchPattern, k.display);
  return catalogue.route(exchange, key, payload).some((r) => trie.match(r.matchKey).size > 0);
}

describe('fax', () => {
  it('binds fax.status on the faxes exchange with the account in the key', () => {
    expect(plan('fax.status.*')).toEqual({
      requested: 'fax.status.*',
      keys: [{ display: `fax.status.${A}.*`, matchPattern: `fax.status.${A}.*` }],
      amqp: [{ exchange: 'faxes', routingKey: `fax.status.${A}.*`, accountWord: 2 }],
    });
    expect(plan('fax.status.job@1').amqp[0]!.routingKey).toBe(`fax.status.${A}.job%401`);
  });

  it('routes a status as the fax app publishes it, as the 3.x `fax.status` named event with the normalized payload', () => {
    const [routed] = catalogue.route('faxes', faxStatusRoutingKey(A, 'job.1'), { 'Event-Name': 'status' });
    expect(routed).toMatchObject({ matchKey: `fax.status.${A}.job%2E1`, name: 'status', socketEventName: 'fax.status', socketPayloadNormalized: true });
    expect(reaches('fax.status.*', A, 'faxes', faxStatusRoutingKey(A, 'x'))).toBe(true);
    expect(reaches('fax.status.*', B, 'faxes', faxStatusRoutingKey(A, 'x'))).toBe(false);
  });

  it('binds fax.object to fax documents of the monthly database, shown as KAZOO shows it', () => {
    const p = plan('fax.object.doc_created');
    expect(p.keys[0]!.display).toBe(`doc_created.${encodedAccountModb(A)}.fax.*`);
    expect(p.amqp).toEqual([{ exchange: 'configuration', routingKey: 'doc_created.*.fax.*' }]);
    const key = (acct: string) => `doc_created.${encodedAccountModb(acct)}.fax.f1`;
    expect(reaches('fax.object.doc_created', A, 'configuration', key(A))).toBe(true);
    expect(reaches('fax.object.doc_created', A, 'configuration', key(B))).toBe(false);
  });

  it.each(['fax.foo.x', 'fax.status', 'fax.status.a.b', 'fax'])('refuses %s with KAZOO\'s text', (b) => {
    expect(error(b)).toBe(`invalid format for fax subscription : ${b.split('.').slice(1).join(', ')}`);
  });
});

describe('presence (realm-keyed)', () => {
  it('binds the account\'s realm and scopes by the account', () => {
    expect(plan('presence.dialog.*')).toEqual({
      requested: 'presence.dialog.*',
      keys: [{ display: 'dialog.a%2Esip%2Eexample%2Ecom.*', matchPattern: `presence.${A}.dialog.*` }],
      amqp: [{ exchange: 'presence', routingKey: 'dialog.a%2Esip%2Eexample%2Ecom.*', accountWord: 1 }],
    });
  });

  it('delivers by realm, never across realms, and drops realms it cannot attribute', () => {
    expect(reaches('presence.dialog.*', A, 'presence', presenceRoutingKey('dialog', 'A.sip.example.com', 'c@h'))).toBe(true);
    expect(reaches('presence.dialog.*', A, 'presence', presenceRoutingKey('dialog', 'b.sip.example.com', 'c@h'))).toBe(false);
    expect(catalogue.route('presence', presenceRoutingKey('update', 'unknown.example.com', 'c'), {})).toEqual([]);
    expect(reaches('presence.mwi_updates.1001', A, 'presence', presenceRoutingKey('mwi_updates', 'a.sip.example.com', '1001'))).toBe(true);
    expect(reaches('presence.mwi_updates.1001', A, 'presence', presenceRoutingKey('mwi_updates', 'a.sip.example.com', '1002'))).toBe(false);
  });

  it('uses KAZOO\'s texts and refuses accounts with no known realm', () => {
    expect(error('presence.foo.x')).toBe('event foo not supported');
    expect(error('presence')).toBe('invalid format for presence subscription : ');
    expect(error('presence.dialog')).toBe('invalid format for presence subscription : dialog');
    expect(error('presence.dialog.*', 'ffffffffffffffffffffffffffffffff')).toMatch(/none is known for account f{32}/);
  });
});

describe('registration (realm-keyed)', () => {
  it('binds registration.success to the account\'s realm', () => {
    expect(plan('registration.success')).toEqual({
      requested: 'registration.success',
      keys: [{ display: 'registration.success.a%2Esip%2Eexample%2Ecom.*', matchPattern: `registration.${A}.success.*` }],
      amqp: [{ exchange: 'registrar', routingKey: 'registration.success.a%2Esip%2Eexample%2Ecom.*', accountWord: 2 }],
    });
    expect(reaches('registration.success', A, 'registrar', registrationRoutingKey('a.sip.example.com', '1001'))).toBe(true);
    expect(reaches('registration.success', B, 'registrar', registrationRoutingKey('a.sip.example.com', '1001'))).toBe(false);
  });

  it.each(['registration', 'registration.failure', 'registration.success.x'])('refuses %s', (b) => {
    expect(error(b)).toBe(`invalid format for registration subscription : ${b.split('.').slice(1).join(', ')}`);
  });
});

describe('qubicle', () => {
  it('scopes by the payload\'s account as bh_qubicle did', () => {
    const key = qubicleRoutingKey('session', A, 's1');
    expect(reaches('qubicle.session', A, 'qubicle', key, { 'Account-ID': A })).toBe(true);
    expect(reaches('qubicle.session', B, 'qubicle', key, { 'Account-ID': A })).toBe(false);
    expect(catalogue.route('qubicle', key, {})).toEqual([]);
    expect(catalogue.route('qubicle', key, { 'Event-Category': 'qubicle_session', 'Account-ID': A })[0]).toMatchObject({ socketEventName: 'qubicle_session' });
  });

  it('refuses other spellings', () => {
    expect(error('qubicle.agent')).toBe('invalid format for qubicle subscription : agent');
  });
});

describe('notification', () => {
  it('binds KAZOO\'s notifications key and scopes by Account-ID or Account-DB', () => {
    expect(plan('notification.voicemail.new').amqp).toEqual([{ exchange: 'notifications', routingKey: 'notifications.voicemail.new' }]);
    expect(reaches('notification.voicemail.*', A, 'notifications', 'notifications.voicemail.new', { 'Account-ID': A })).toBe(true);
    expect(reaches('notification.voicemail.*', A, 'notifications', 'notifications.voicemail.new', { 'Account-DB': 'account%2F4b%2F8c%2F6fec4b2597882c0390202d195419' })).toBe(true);
    expect(reaches('notification.voicemail.*', B, 'notifications', 'notifications.voicemail.new', { 'Account-ID': A })).toBe(false);
  });

  it('shows account-less system alerts only to a superduper admin\'s * subscription', () => {
    expect(catalogue.route('notifications', 'notifications.system.alert', {})[0]!.matchKey).toBe(`notification.${NO_ACCOUNT}.system.alert`);
    expect(reaches('notification.system.alert', A, 'notifications', 'notifications.system.alert', {})).toBe(false);
    expect(reaches('notification.system.alert', '*', 'notifications', 'notifications.system.alert', {})).toBe(true);
  });

  it('refuses malformed bindings', () => {
    expect(error('notification.voicemail')).toBe('invalid format for notification subscription : voicemail');
    expect(error('notification.Voice.new')).toBe('invalid format for notification subscription : Voice, new');
  });
});

describe('app_event', () => {
  it('binds kapps with the account in the key', () => {
    expect(plan('app_event.crm.*').amqp).toEqual([{ exchange: 'kapps', routingKey: `app_event.${A}.crm.*`, accountWord: 1 }]);
    expect(reaches('app_event.crm.*', A, 'kapps', appEventRoutingKey(A, 'crm', 'ticket'))).toBe(true);
    expect(reaches('app_event.crm.*', B, 'kapps', appEventRoutingKey(A, 'crm', 'ticket'))).toBe(false);
    expect(error('app_event.crm')).toBe('invalid format for app_event subscription : crm');
    expect(error('app_event.cr%20m.x')).toBe('invalid format for app_event subscription : cr%20m, x');
  });

  it('never names a Socket.IO event after the protocol\'s own events', () => {
    expect(catalogue.route('kapps', appEventRoutingKey(A, 'crm', 'message'), {})[0]!.socketEventName).toBe('app_event.message');
    // Nor after what a 0.9 page's own client emits: a server `reconnect` would run its reconnect handler.
    for (const name of ['connecting', 'connect_failed', 'reconnect', 'reconnecting', 'reconnect_failed']) {
      expect(catalogue.route('kapps', appEventRoutingKey(A, 'crm', name), {})[0]!.socketEventName).toBe(`app_event.${name}`);
    }
    expect(catalogue.route('kapps', appEventRoutingKey(A, 'crm', 'ticket'), {})[0]!.socketEventName).toBe('ticket');
  });

  it('shows KAZOO headers normalized and the publisher\'s data verbatim', () => {
    expect(presentAppEvent({ 'Event-Name': 'ticket', Node: 'n', Data: { userName: 'Ann', 'Some-Key': null } })).toEqual({ event_name: 'ticket', data: { userName: 'Ann', 'Some-Key': null } });
  });
});

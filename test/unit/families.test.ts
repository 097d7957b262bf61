import { BindingCatalogue, NO_SUBSCRIPTIONS } from '../../src/bindings/catalogue';
import { CALL_EVENTS } from '../../src/bindings/families/call';
import { accountOfDb, encodedAccountDb } from '../../src/bindings/families/object';
import { planner } from '../helpers/catalogue-plans';

const A = '4b8c6fec4b2597882c0390202d195419';
const catalogue = new BindingCatalogue();

const { plan, error } = planner(catalogue, A);

describe('call bindings', () => {
  it('scopes one event to the account and binds KAZOO\'s callevt key', () => {
    expect(plan('call.CHANNEL_CREATE.*')).toEqual({
      requested: 'call.CHANNEL_CREATE.*',
      keys: [{ display: `call.${A}.CHANNEL_CREATE.*`, matchPattern: `call.${A}.CHANNEL_CREATE.*` }],
      amqp: [{ exchange: 'callevt', routingKey: 'call.CHANNEL_CREATE.*' }],
    });
  });

  it('expands call.*.* to the nine KAZOO events in KAZOO order', () => {
    const p = plan('call.*.*');
    expect(p.keys.map((k) => k.display)).toEqual(CALL_EVENTS.map((e) => `call.${A}.${e}.*`));
    expect(p.amqp).toHaveLength(9);
  });

  it('accepts a call id raw or encoded and binds it encoded', () => {
    expect(plan('call.CHANNEL_ANSWER.abc@host').amqp[0]!.routingKey).toBe('call.CHANNEL_ANSWER.abc%40host');
    expect(plan('call.CHANNEL_ANSWER.abc%40host').amqp[0]!.routingKey).toBe('call.CHANNEL_ANSWER.abc%40host');
  });

  it.each([
    ['call.FOO.*', 'event FOO not supported'],
    ['call.CHANNEL_CREATE', 'invalid format for call subscription : CHANNEL_CREATE'],
    ['call.a.b.c', 'invalid format for call subscription : a, b, c'],
    ['call', 'invalid format for call subscription : '],
  ])('%s → %s', (binding, text) => {
    expect(error(binding)).toBe(text);
  });

  it('routes a delivery by the payload account, and drops one without an account', () => {
    const payload = { 'Event-Name': 'CHANNEL_CREATE', 'Call-ID': 'x.y@z', 'Custom-Channel-Vars': { 'Account-ID': A } };
    expect(catalogue.route('callevt', 'call.CHANNEL_CREATE.x%2Ey%40z', payload)).toEqual([
      { matchKey: `call.${A}.CHANNEL_CREATE.x%2Ey%40z`, routingKey: `call.${A}.CHANNEL_CREATE.x%2Ey%40z`, name: 'CHANNEL_CREATE', socketEventName: 'CHANNEL_CREATE', socketPayloadNormalized: false },
    ]);
    expect(catalogue.route('callevt', 'call.CHANNEL_CREATE.x', { 'Event-Name': 'CHANNEL_CREATE', 'Call-ID': 'x' })).toEqual([]);
    expect(catalogue.route('callevt', 'call.CHANNEL_EXECUTE.x', { ...payload, 'Event-Name': 'CHANNEL_EXECUTE' })).toEqual([]);
  });

  it('falls back to a top-level Account-ID', () => {
    const [routed] = catalogue.route('callevt', 'call.CHANNEL_ANSWER.x', { 'Event-Name': 'CHANNEL_ANSWER', 'Call-ID': 'x', 'Account-ID': A });
    expect(routed!.matchKey).toBe(`call.${A}.CHANNEL_ANSWER.x`);
  });
});

describe('conference bindings', () => {
  it.each([
    ['conference.event.CONF.*', `conference.event.*.${A}.CONF.*`],
    ['conference.event.CONF.callid', `conference.event.*.${A}.CONF.callid`],
    ['conference.event.*.CONF.*', `conference.event.*.${A}.CONF.*`],
    ['conference.event.CONF.*.add-member', `conference.event.add-member.${A}.CONF.*`],
    ['conference.event.CONF.*.*', `conference.event.*.${A}.CONF.*`],
    ['conference.event.*', `conference.event.*.${A}.*.*`],
  ])('%s is scoped as %s', (binding, key) => {
    const p = plan(binding);
    expect(p.keys).toEqual([{ display: key, matchPattern: key }]);
    expect(p.amqp).toEqual([{ exchange: 'conference', routingKey: key, accountWord: 3 }]);
  });

  it.each([
    ['conference.event.*.*', 'ConferenceId required'],
    ['conference.event.*.*.*', 'ConferenceId required'],
    ['conference.command.*', 'ConferenceId required'],
    ['conference.event.CONF.*.dance', 'Unsupported conference event dance'],
    ['conference.event.CONF.x.y', 'invalid format for conference subscription : event, CONF, x, y'],
    ['conference.foo', 'invalid format for conference subscription : foo'],
  ])('%s → %s', (binding, text) => {
    expect(error(binding)).toBe(text);
  });

  it('scopes commands by the payload account and drops commands without one', () => {
    expect(plan('conference.command.CONF').keys).toEqual([{ display: 'conference.command.CONF', matchPattern: `conference.command.${A}.CONF` }]);
    expect(catalogue.route('conference', 'conference.command.CONF', { 'Account-ID': A })[0]!.matchKey).toBe(`conference.command.${A}.CONF`);
    expect(catalogue.route('conference', 'conference.command.CONF', {})).toEqual([]);
  });

  it('names Socket.IO events by Application-Name, else Event-Name', () => {
    const key = `conference.event.add-member.${A}.CONF.call`;
    expect(catalogue.route('conference', key, { 'Application-Name': 'participants_event', 'Event-Name': 'event' })[0]!.socketEventName).toBe('participants_event');
    expect(catalogue.route('conference', key, { 'Event-Name': 'event' })[0]!.socketEventName).toBe('event');
  });
});

describe('document bindings', () => {
  const db = encodedAccountDb(A);

  it('builds KAZOO\'s encoded account database name and reads it back, monthly ones too', () => {
    expect(db).toBe('account%2F4b%2F8c%2F6fec4b2597882c0390202d195419');
    expect(accountOfDb(db)).toBe(A);
    expect(accountOfDb(`${db}-202611`)).toBe(A);
    expect(accountOfDb('account%2Fxx')).toBeUndefined();
  });

  it('object.{ACTION}.{TYPE} binds the account database', () => {
    expect(plan('object.doc_edited.user')).toEqual({
      requested: 'object.doc_edited.user',
      keys: [{ display: `doc_edited.${db}.user.*`, matchPattern: `object.${A}.doc_edited.user.*` }],
      amqp: [{ exchange: 'configuration', routingKey: `doc_edited.${db}.user.*`, accountWord: 1 }],
    });
  });

  it('monthly types bind by type and are scoped by the account in the database name', () => {
    expect(plan('object.doc_created.fax').amqp).toEqual([{ exchange: 'configuration', routingKey: 'doc_created.*.fax.*', accountWord: 1 }]);
    expect(plan('object.*.*').amqp.map((b) => b.routingKey)).toEqual([`*.${db}.*.*`, '*.*.fax.*', '*.*.mailbox_message.*']);
  });

  it("scopes the seed's doc_created.*.user.* to the subscriber's own account", () => {
    expect(plan('doc_created.*.user.*').keys[0]!.matchPattern).toBe(`object.${A}.doc_created.user.*`);
    expect(error(`doc_created.${encodedAccountDb('00000000000000000000000000000000')}.user.*`)).toBe('unauthorized account id');
    expect(plan(`doc_created.${db}.user.*`).keys[0]!.matchPattern).toBe(`object.${A}.doc_created.user.*`);
  });

  it.each([
    ['object.doc_bad.user', 'event doc_bad.user not supported'],
    ['object.doc_bad.*', 'event doc_bad.* not supported'],
    ['object.*.thing', 'event *.thing not supported'],
    ['object.doc_edited', 'invalid format for object subscription : doc_edited'],
    ['doc_edited.*.user', 'invalid format for object subscription : doc_edited, *, user'],
  ])('%s → %s', (binding, text) => {
    expect(error(binding)).toBe(text);
  });

  it('routes a document change with the account from its database and a 3.x event name', () => {
    const [routed] = catalogue.route('configuration', `doc_edited.${db}-202611.fax.f1`, { 'Event-Name': 'doc_edited', Type: 'fax' });
    expect(routed).toMatchObject({ matchKey: `object.${A}.doc_edited.fax.f1`, name: 'doc_edited', socketEventName: 'doc_edited_fax' });
    expect(catalogue.route('configuration', 'doc_edited.system_config.x.y', {})).toEqual([]);
  });
});

describe('the catalogue', () => {
  it('refuses unknown families and empty words', () => {
    expect(error('registration_thing.x')).toBe(NO_SUBSCRIPTIONS);
    expect(error('call..*')).toMatch(/^malformed binding call\.\.\*/);
  });

  it('puts the wildcard account of a superduper admin where the account goes', () => {
    expect(plan('call.CHANNEL_CREATE.*', '*').keys[0]!.matchPattern).toBe('call.*.CHANNEL_CREATE.*');
  });
});

// Owns realistic KAZOO events of every non-call family (fax, conference, documents, presence,
// registration, qubicle, notifications), each with the exchange and routing key KAZOO publishes on.
import { randomBytes } from 'node:crypto';
import { encodeKeyPart } from '../bindings/key-encoding';
import { encodedAccountDb } from '../bindings/families/object';
import { encodedAccountModb, faxStatusRoutingKey } from '../bindings/families/fax';
import { presenceRoutingKey } from '../bindings/families/presence';
import { registrationRoutingKey } from '../bindings/families/registration';
import { qubicleRoutingKey } from '../bindings/families/qubicle';

/** One message as KAZOO puts it on RabbitMQ. */
export interface KazooMessage {
  exchange: string;
  routingKey: string;
  payload: Record<string, unknown>;
}

export const EVENT_KINDS = ['fax', 'conference', 'object', 'presence', 'registration', 'qubicle', 'notification'] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

export interface EventOptions {
  accountId: string;
  /** The account's SIP realm (presence, registration). */
  realm?: string;
  /** The object the event is about: fax job, conference, document, call, user, session. */
  id?: string;
}

function headers(app: string, category: string, name: string): Record<string, unknown> {
  return {
    'App-Name': app, 'App-Version': '4.3.142', 'Event-Category': category, 'Event-Name': name,
    'Msg-ID': randomBytes(8).toString('hex'), Node: `${app}@kazoo.sim`, 'Server-ID': `kazoo_${app}@kazoo.sim-<0.1.0>`,
  };
}

const fresh = () => randomBytes(8).toString('hex');

/** A fax job status as the fax app publishes it (`faxes`, `fax.status.{ACCT}.{enc JOB_ID}`). */
export function faxStatus(o: EventOptions): KazooMessage {
  const jobId = o.id ?? fresh();
  const payload = {
    ...headers('fax', 'fax', 'status'), 'Account-ID': o.accountId, 'Job-ID': jobId, 'Fax-ID': jobId, Direction: 'outgoing', Status: 'Processing page 1',
    'Fax-Info': { 'Fax-Page': 1, 'Fax-Total-Pages': 2, 'Fax-Transferred-Pages': 1 },
  };
  return { exchange: 'faxes', routingKey: faxStatusRoutingKey(o.accountId, jobId), payload };
}

/** A participant joining a conference (`conference.event.add-member.{ACCT}.{CONF}.{enc CALL}`). */
export function conferenceAddMember(o: EventOptions): KazooMessage {
  const conf = o.id ?? fresh();
  const callId = `${fresh()}@kazoo.sim`;
  const payload = { ...headers('ecallmgr', 'conference', 'event'), Event: 'add-member', 'Account-ID': o.accountId, 'Conference-ID': conf, 'Call-ID': callId, 'Participant-ID': 1 };
  return { exchange: 'conference', routingKey: `conference.event.add-member.${o.accountId}.${conf}.${encodeKeyPart(callId)}`, payload };
}

/** A user document edited in the account database, or a fax document created in the monthly one. */
export function docChange(o: EventOptions & { action?: string; type?: string }): KazooMessage {
  const type = o.type ?? 'user';
  const action = o.action ?? 'doc_edited';
  const db = type === 'fax' || type === 'mailbox_message' ? encodedAccountModb(o.accountId) : encodedAccountDb(o.accountId);
  const id = o.id ?? fresh();
  const payload = { ...headers('kazoo_data', 'configuration', action), ID: id, Type: type, Database: decodeURIComponent(db), 'Account-ID': o.accountId, Rev: '2-0123' };
  return { exchange: 'configuration', routingKey: `${action}.${db}.${type}.${encodeKeyPart(id)}`, payload };
}

/** A SIP dialog state change (`presence`, `dialog.{enc realm}.{enc call id}`). */
export function presenceDialog(o: EventOptions): KazooMessage {
  const realm = o.realm ?? 'sim.example.com';
  const callId = o.id ?? `${fresh()}@kazoo.sim`;
  const payload = { ...headers('ecallmgr', 'presence', 'dialog'), 'Presence-ID': `1001@${realm}`, 'Call-ID': callId, State: 'early', Direction: 'inbound', From: `1001@${realm}`, To: `1002@${realm}` };
  return { exchange: 'presence', routingKey: presenceRoutingKey('dialog', realm, callId), payload };
}

/** A message-waiting update of one user (`presence`, `mwi_updates.{enc realm}.{enc user}`). */
export function presenceMwi(o: EventOptions): KazooMessage {
  const realm = o.realm ?? 'sim.example.com';
  const user = o.id ?? '1001';
  const payload = { ...headers('callflow', 'presence', 'mwi_update'), To: `${user}@${realm}`, 'Messages-New': 1, 'Messages-Saved': 0 };
  return { exchange: 'presence', routingKey: presenceRoutingKey('mwi_updates', realm, user), payload };
}

/** A successful SIP registration (`registrar`, `registration.success.{enc realm}.{enc user}`). */
export function registrationSuccess(o: EventOptions): KazooMessage {
  const realm = o.realm ?? 'sim.example.com';
  const user = o.id ?? 'device1001';
  const payload = {
    ...headers('ecallmgr', 'directory', 'reg_success'), Realm: realm, Username: user, 'Contact': `<sip:${user}@192.0.2.10:5060>`, Expires: 300,
    'User-Agent': 'Yealink SIP-T46S', 'Network-IP': '192.0.2.10', 'Network-Port': '5060', 'Call-ID': `${fresh()}@192.0.2.10`,
  };
  return { exchange: 'registrar', routingKey: registrationRoutingKey(realm, user), payload };
}

/** A qubicle session event naming its account, as bh_qubicle expected. */
export function qubicleSession(o: EventOptions): KazooMessage {
  const id = o.id ?? fresh();
  const payload = { ...headers('qubicle', 'qubicle_session', 'session_started'), 'Account-ID': o.accountId, 'Session-ID': id, 'Queue-ID': 'q1' };
  return { exchange: 'qubicle', routingKey: qubicleRoutingKey('session', o.accountId, id), payload };
}

/** A new voicemail notification (`notifications`, `notifications.voicemail.new`). */
export function voicemailNew(o: EventOptions): KazooMessage {
  const payload = {
    ...headers('callflow', 'notification', 'voicemail_new'), 'Account-ID': o.accountId, 'From-User': '+15555550100', 'From-Realm': o.realm ?? 'sim.example.com',
    'To-User': '1001', 'To-Realm': o.realm ?? 'sim.example.com', 'Voicemail-Box': o.id ?? fresh(), 'Voicemail-ID': fresh(), 'Voicemail-Timestamp': 63800000000, 'Voicemail-Length': 12000,
  };
  return { exchange: 'notifications', routingKey: 'notifications.voicemail.new', payload };
}

/**
 * A realistic event of one kind.
 * @example const { exchange, routingKey, payload } = familyEvent("fax", { accountId });
 */
export function familyEvent(kind: EventKind, o: EventOptions): KazooMessage {
  switch (kind) {
    case 'fax': return faxStatus(o);
    case 'conference': return conferenceAddMember(o);
    case 'object': return docChange(o);
    case 'presence': return presenceDialog(o);
    case 'registration': return registrationSuccess(o);
    case 'qubicle': return qubicleSession(o);
    case 'notification': return voicemailNew(o);
  }
}

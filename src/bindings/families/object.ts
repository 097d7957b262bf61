// Owns document-change bindings on the `configuration` exchange: KAZOO 4.x's `object.{ACTION}.{TYPE}`
// and the seed's `{ACTION}.*.{TYPE}.*`. The account comes from the database named in the routing key.
import { canonicalKeyPart, decodeKeyPart, encodeKeyPart } from '../key-encoding';
import { AmqpBinding, BindingFamily, PlanResult, invalidFormat, stringField } from '../family';

const EXCHANGE = 'configuration';
export const DOC_ACTIONS = ['doc_created', 'doc_edited', 'doc_deleted'] as const;
export const DOC_TYPES = [
  'account', 'callflow', 'device', 'faxbox', 'media', 'user', 'vmbox', 'fax', 'mailbox_message', 'call_recording',
] as const;
/** Types stored in monthly databases (`account/xx/yy/rest-YYYYMM`). */
const MODB_TYPES: readonly string[] = ['fax', 'mailbox_message'];
const ACTIONS = new Set<string>(DOC_ACTIONS);
const TYPES = new Set<string>(DOC_TYPES);
const ACCOUNT_DB = /^account\/([0-9a-f]{2})\/([0-9a-f]{2})\/([0-9a-f]{28})(?:-\d{6})?$/;

/** KAZOO's encoded account database name: `account%2F4b%2F31%2Fdd1d…`. */
export function encodedAccountDb(accountId: string): string {
  if (accountId === '*') return '*';
  return encodeKeyPart(`account/${accountId.slice(0, 2)}/${accountId.slice(2, 4)}/${accountId.slice(4)}`);
}

/** The account id a (possibly encoded, possibly monthly) database name belongs to. */
export function accountOfDb(db: string): string | undefined {
  const m = ACCOUNT_DB.exec(decodeKeyPart(db));
  return m ? m[1]! + m[2]! + m[3]! : undefined;
}

function unsupported(action: string, type: string): string {
  return `event ${action}.${type} not supported`;
}

/** AMQP bindings for one action and type: the account's own database, plus monthly ones by type. */
function amqpFor(action: string, type: string, accountId: string): AmqpBinding[] {
  const db = encodedAccountDb(accountId);
  const keys: string[] = [];
  if (type === '*') {
    keys.push(`${action}.${db}.*.*`, ...MODB_TYPES.map((t) => `${action}.*.${t}.*`));
  } else if (MODB_TYPES.includes(type)) {
    // Monthly databases change name every month: bind by type and let the account scope filter.
    keys.push(`${action}.*.${type}.*`);
  } else {
    keys.push(`${action}.${db}.${type}.*`);
  }
  // Word 1 is the account's database (or already `*`).
  return keys.map((routingKey) => ({ exchange: EXCHANGE, routingKey, accountWord: 1 }));
}

function planFor(binding: string, accountId: string, action: string, type: string, id: string): PlanResult {
  const docId = canonicalKeyPart(id);
  return {
    ok: true,
    plan: {
      requested: binding,
      keys: [{
        display: `${action}.${encodedAccountDb(accountId)}.${type}.${docId}`,
        matchPattern: `object.${accountId}.${action}.${type}.${docId}`,
      }],
      amqp: amqpFor(action, type, accountId),
    },
  };
}

function validActionType(action: string, type: string): string | undefined {
  const actionOk = action === '*' || ACTIONS.has(action);
  const typeOk = type === '*' || TYPES.has(type);
  if (actionOk && typeOk) return undefined;
  return unsupported(action, type);
}

export const objectFamily: BindingFamily = {
  name: 'object',
  exchanges: [EXCHANGE],
  forms: [
    { binding: 'object.{ACTION}.{TYPE}', description: `document changes (ACTION: ${DOC_ACTIONS.join(', ')} or *; TYPE: ${DOC_TYPES.join(', ')} or *)` },
    { binding: '{ACTION}.*.{TYPE}.{DOC_ID}', description: 'the same, in the KAZOO 3.x spelling (e.g. doc_created.*.user.*)' },
  ],
  owns: (words) => words[0] === 'object' || ACTIONS.has(words[0]!),
  plan(words, binding, accountId) {
    if (words[0] === 'object') {
      const keys = words.slice(1);
      if (keys.length !== 2) return { ok: false, error: invalidFormat('object', keys) };
      const [action, type] = keys as [string, string];
      const bad = validActionType(action, type);
      return bad ? { ok: false, error: bad } : planFor(binding, accountId, action, type, '*');
    }
    if (words.length !== 4) return { ok: false, error: invalidFormat('object', words) };
    const [action, db, type, id] = words as [string, string, string, string];
    const bad = validActionType(action, type);
    if (bad) return { ok: false, error: bad };
    // The seed spelling names a database: only `*` (the subscriber's own) or the account's own.
    if (db !== '*' && accountOfDb(db) !== accountId) return { ok: false, error: 'unauthorized account id' };
    return planFor(binding, accountId, action, type, id);
  },
  route(exchange, routingKey, payload) {
    if (exchange !== EXCHANGE) return null;
    const w = routingKey.split('.');
    if (w.length !== 4 || !ACTIONS.has(w[0]!)) return null;
    const [action, db, type, id] = w as [string, string, string, string];
    const account = accountOfDb(db);
    if (!account) return null;
    const name = stringField(payload, 'Event-Name') ?? action;
    return {
      matchKey: `object.${account}.${action}.${type}.${id}`,
      routingKey,
      name,
      socketEventName: `${name}_${stringField(payload, 'Type') ?? type}`,
      socketPayloadNormalized: false,
    };
  },
};

// Owns realistic KAZOO call events built from the real samples in fixtures/kazoo-events/,
// re-addressed to a given account and call. Used by the simulator, the demo page and the tests.
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { PROJECT_ROOT } from '../config';
import { CALL_EVENTS } from '../bindings/families/call';
import { encodeKeyPart } from '../bindings/key-encoding';
import { simulatedAccount, simulatedCaller } from './sim-accounts';

export type CallEventName = (typeof CALL_EVENTS)[number];

/** Seconds between year 0 (KAZOO's Gregorian timestamps) and the Unix epoch. */
const GREGORIAN_OFFSET = 62167219200;
const SAMPLES = new Map<string, Record<string, unknown>>();

function sample(name: 'CHANNEL_CREATE' | 'CHANNEL_ANSWER' | 'CHANNEL_DESTROY'): Record<string, unknown> {
  let found = SAMPLES.get(name);
  if (!found) {
    const file = path.join(PROJECT_ROOT, 'fixtures', 'kazoo-events', `${name}.json`);
    found = (JSON.parse(fs.readFileSync(file, 'utf8')) as { args: Record<string, unknown> }).args;
    SAMPLES.set(name, found);
  }
  return structuredClone(found);
}

/** The names of the lab account the samples were captured on. */
const SAMPLE_REALM = 'wefwefwefwef.2600hz.com';
const SAMPLE_ACCOUNT_NAME = 'wefwefwefwef';
const SAMPLE_HOST = 'wef.2600hz.com';

/** `value` with the sample's names replaced by the account's believable ones, in every string. */
function renamed(value: unknown, names: { realm: string; name: string; host: string }): unknown {
  if (typeof value === 'string') return value.split(SAMPLE_REALM).join(names.realm).split(SAMPLE_HOST).join(names.host).split(SAMPLE_ACCOUNT_NAME).join(names.name);
  if (Array.isArray(value)) return value.map((v) => renamed(v, names));
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renamed(v, names)]));
  return value;
}

/**
 * A call event as ecallmgr publishes it, for one account and call id, carrying believable names (the
 * account's company name and realm, a caller's name) instead of the samples' lab names.
 * @example callEvent("CHANNEL_CREATE", "4b8c…419", "abc@host")["Custom-Channel-Vars"]["Account-ID"] // "4b8c…419"
 */
export function callEvent(name: CallEventName, accountId: string, callId: string): Record<string, unknown> {
  const account = simulatedAccount(accountId);
  const raw = name === 'CHANNEL_CREATE' || name === 'CHANNEL_DESTROY' ? sample(name) : sample('CHANNEL_ANSWER');
  const base = renamed(raw, { realm: account.realm, name: account.name, host: account.mediaServer }) as Record<string, unknown>;
  if ('Caller-ID-Name' in base) base['Caller-ID-Name'] = simulatedCaller(callId);
  const ccv = { ...(base['Custom-Channel-Vars'] as Record<string, unknown>), 'Account-ID': accountId };
  if ('Bridge-ID' in ccv) ccv['Bridge-ID'] = callId;
  return {
    ...base,
    'Call-ID': callId,
    'Custom-Channel-Vars': ccv,
    'Event-Name': name,
    'Msg-ID': randomBytes(8).toString('hex'),
    Timestamp: Math.floor(Date.now() / 1000) + GREGORIAN_OFFSET,
  };
}

/** The routing key ecallmgr uses on the `callevt` exchange. */
export function callRoutingKey(name: CallEventName, callId: string): string {
  return `call.${name}.${encodeKeyPart(callId)}`;
}

/** A fresh call id shaped like FreeSWITCH's. */
export function freshCallId(): string {
  return `${randomBytes(10).toString('hex')}@event-horizon.sim`;
}

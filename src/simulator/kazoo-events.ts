// Owns realistic KAZOO call events built from the real samples in fixtures/kazoo-events/,
// re-addressed to a given account and call. Used by the simulator, the demo page and the tests.
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { PROJECT_ROOT } from '../config';
import { CALL_EVENTS } from '../bindings/families/call';
import { encodeKeyPart } from '../bindings/key-encoding';

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

/**
 * A call event as ecallmgr publishes it, for one account and call id.
 * @example callEvent("CHANNEL_CREATE", "4b8c…419", "abc@host")["Custom-Channel-Vars"]["Account-ID"] // "4b8c…419"
 */
export function callEvent(name: CallEventName, accountId: string, callId: string): Record<string, unknown> {
  const base = name === 'CHANNEL_CREATE' || name === 'CHANNEL_DESTROY' ? sample(name) : sample('CHANNEL_ANSWER');
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

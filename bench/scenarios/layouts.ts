// Owns the subscription layouts the scenarios use: everyone on one binding (fan-out) or one client
// per account (routing, latency), in each system's terms, plus the events that reach them.
// Knows nothing about processes or measurement.
import { encodeKeyPart } from '../../src/bindings/key-encoding';
import type { PublishTarget } from '../lib/messages';
import { ROOT_ACCOUNT, benchAccount } from '../lib/systems';
import type { SubscriptionSpec } from '../lib/wire-protocols';

const BINDING = 'call.CHANNEL_CREATE.*';

/** The call id of account `i`'s calls (one per account keeps Web-STOMP's routing key distinct). */
export const benchCallId = (i: number) => `bench-call-${i}@bench.event-horizon`;

/** `clients` clients of one account on one binding; events of that account on 16 calls. */
export function oneBinding(clients: number): { specs: SubscriptionSpec[]; targets: PublishTarget[] } {
  const spec: SubscriptionSpec = { accountId: ROOT_ACCOUNT, binding: BINDING, routingKey: BINDING };
  return {
    specs: Array.from({ length: clients }, () => spec),
    targets: Array.from({ length: 16 }, (_, i) => ({ accountId: ROOT_ACCOUNT, callId: benchCallId(-1 - i) })),
  };
}

/**
 * One client per account, each on `call.CHANNEL_CREATE.*` of its own account; events spread over the
 * accounts. Web-STOMP cannot route on the payload's account, so its clients bind their account's call id.
 */
export function accountPerClient(clients: number): { specs: SubscriptionSpec[]; targets: PublishTarget[] } {
  const specs: SubscriptionSpec[] = [];
  const targets: PublishTarget[] = [];
  for (let i = 0; i < clients; i++) {
    const callId = benchCallId(i);
    specs.push({ accountId: benchAccount(i), binding: BINDING, routingKey: `call.CHANNEL_CREATE.${encodeKeyPart(callId)}` });
    targets.push({ accountId: benchAccount(i), callId });
  }
  return { specs, targets };
}

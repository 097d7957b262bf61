// Owns the simulated call: CHANNEL_CREATE, CHANNEL_ANSWER, CHANNEL_DESTROY for one account,
// published the way KAZOO publishes them, with a pause between steps.
import { CallEventName, callEvent, callRoutingKey, freshCallId } from './kazoo-events';

export type Publish = (exchange: string, routingKey: string, payload: Record<string, unknown>) => unknown;

const STEPS: CallEventName[] = ['CHANNEL_CREATE', 'CHANNEL_ANSWER', 'CHANNEL_DESTROY'];

/**
 * Publishes one realistic call and returns its call id.
 * @example const callId = await simulateCall((ex, rk, p) => bus.publish(ex, rk, p), accountId, 200);
 */
export async function simulateCall(publish: Publish, accountId: string, stepDelayMs = 300, callId = freshCallId()): Promise<string> {
  for (const [i, name] of STEPS.entries()) {
    if (i > 0 && stepDelayMs > 0) await new Promise((r) => setTimeout(r, stepDelayMs));
    await publish('callevt', callRoutingKey(name, callId), callEvent(name, accountId, callId));
  }
  return callId;
}

// Owns reconnect delays: exponential growth with a cap and random jitter, so clients that lost the
// same server do not all come back in the same millisecond. Pure: no timers.

export interface BackoffOptions {
  /** The first delay, in ms (default 250). */
  initialMs?: number;
  /** The longest delay, in ms (default 10 000). */
  maxMs?: number;
  /** Growth per attempt (default 2). */
  factor?: number;
}

/**
 * The delay before reconnect attempt `attempt` (0-based): half of the capped exponential step fixed,
 * the other half random ("equal jitter"), so a delay is never 0 and never above the cap.
 * @example backoffDelay(3, { initialMs: 250, maxMs: 10000 }) // between 1000 and 2000
 */
export function backoffDelay(attempt: number, options: BackoffOptions = {}, random: () => number = Math.random): number {
  const initial = options.initialMs ?? 250;
  const max = options.maxMs ?? 10_000;
  const factor = options.factor ?? 2;
  const step = Math.min(max, initial * Math.pow(factor, Math.max(0, attempt)));
  return Math.round(step / 2 + random() * (step / 2));
}

// Owns answering another node's question safely: the answer is computed and checked to serialise before
// the adapter's acknowledgement sends it, so nothing a client stored can throw out of a Redis callback.
// Knows the acknowledgement contract (called once), nothing of what is asked.
import type { Logger } from 'pino';

/** What a node answers when it could not build its answer: the asking node logs it and goes on. */
export interface QueryFailure {
  error: string;
  node: string;
}

/** True for a {@link QueryFailure} answer. */
export function isQueryFailure(answer: unknown): answer is QueryFailure {
  return answer !== null && typeof answer === 'object' && !Array.isArray(answer) && typeof (answer as QueryFailure).error === 'string';
}

/**
 * Calls `ack` exactly once: with `compute()`'s answer when it serialises, else with a {@link QueryFailure}
 * (and an error log). Never throws, so a bad answer can never take the node down.
 * @example io.on('eh:websockets', (id, ack) => answerQuery(ack, () => localViews(…), { node, logger, query: 'websockets' }));
 */
export function answerQuery(ack: (answer: unknown) => void, compute: () => unknown, ctx: { node: string; logger: Logger; query: string }): void {
  let answer: unknown;
  try {
    answer = compute();
    JSON.stringify(answer); // the adapter serialises the answer inside the acknowledgement: fail here, not there
  } catch (err) {
    ctx.logger.error({ err, query: ctx.query }, 'could not answer another node; told it so');
    answer = { error: `node ${ctx.node} could not answer ${ctx.query}: ${(err as Error).message}`, node: ctx.node } satisfies QueryFailure;
  }
  try {
    ack(answer);
  } catch (err) {
    ctx.logger.error({ err, query: ctx.query }, 'the answer to another node could not be sent');
  }
}

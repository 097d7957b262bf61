// Answering another node: an answer that cannot be serialised is logged and answered as a failure,
// never thrown into the Redis adapter's callback (where it would end the process).
import pino from 'pino';
import { answerQuery, isQueryFailure } from '../../src/cluster/answer-query';

function capture(): { logger: pino.Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, lines };
}

it('sends a serialisable answer as it is', () => {
  const { logger } = capture();
  const sent: unknown[] = [];
  answerQuery((a) => sent.push(a), () => [{ id: 1 }], { node: 'n1', logger, query: 'q' });
  expect(sent).toEqual([[{ id: 1 }]]);
});

it('answers a failure (and logs it) when the answer would throw in the adapter', () => {
  const { logger, lines } = capture();
  let deep: unknown = 1;
  for (let i = 0; i < 200_000; i++) deep = [deep];
  const sent: unknown[] = [];
  // An adapter's ack serialises inside itself: throwing there would be an uncaught exception.
  const ack = (a: unknown) => sent.push(JSON.parse(JSON.stringify(a)));
  expect(() => answerQuery(ack, () => [{ metadata: deep }], { node: 'n1', logger, query: 'eh:websockets' })).not.toThrow();
  expect(sent).toHaveLength(1);
  expect(isQueryFailure(sent[0])).toBe(true);
  expect(sent[0]).toMatchObject({ node: 'n1', error: expect.stringMatching(/^node n1 could not answer eh:websockets: Maximum call stack size exceeded/) });
  expect(lines.some((l) => l['msg'] === 'could not answer another node; told it so' && l['level'] === 50)).toBe(true);
});

it('survives an acknowledgement that throws', () => {
  const { logger, lines } = capture();
  expect(() => answerQuery(() => { throw new Error('redis gone'); }, () => [], { node: 'n1', logger, query: 'q' })).not.toThrow();
  expect(lines.some((l) => l['msg'] === 'the answer to another node could not be sent')).toBe(true);
});

// Asking the other nodes: answers come back by the deadline whatever the adapter does, including
// never calling back at all (the question was never sent because Redis is away).
import type { Server } from 'socket.io';
import { askOtherNodes } from '../../src/cluster/ask-nodes';

function ioAnswering(answer: () => Promise<unknown[]>): Server {
  return { serverSideEmitWithAck: () => answer() } as unknown as Server;
}

it('resolves with every node\'s answer when all answered', async () => {
  const io = ioAnswering(() => Promise.resolve([{ node: 'b' }, { node: 'c' }]));
  await expect(askOtherNodes(io, 'eh:test', [1], 50)).resolves.toEqual({ answers: [{ node: 'b' }, { node: 'c' }] });
});

it('keeps the answers the adapter got before its timeout, and says why the rest are missing', async () => {
  const timeout = Object.assign(new Error('timeout reached: only 1 responses received out of 2'), { responses: [{ node: 'b' }] });
  const io = ioAnswering(() => Promise.reject(timeout));
  await expect(askOtherNodes(io, 'eh:test', [], 50)).resolves.toEqual({ answers: [{ node: 'b' }], shortfall: timeout.message });
});

it('resolves with no answers shortly after the timeout when the adapter never calls back', async () => {
  const io = ioAnswering(() => new Promise<unknown[]>(() => undefined));
  const started = Date.now();
  await expect(askOtherNodes(io, 'eh:test', [], 50)).resolves.toEqual({ answers: [], shortfall: 'no answer within 50 ms' });
  expect(Date.now() - started).toBeLessThan(2000);
});

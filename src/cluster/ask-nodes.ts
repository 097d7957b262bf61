// Owns asking every other node one question over the Socket.IO adapter and collecting the answers by a
// deadline, never hanging. Knows the adapter's acknowledgement protocol, nothing of what is asked.
import type { Server } from 'socket.io';

/** Past the adapter's own timeout, so it reports partial answers first; this only ends a request never sent. */
const GRACE_MS = 250;

/** What the other nodes answered in time. */
export interface NodeAnswers<T> {
  /** One answer per node that answered in time (this node never answers itself). */
  answers: T[];
  /** Why some nodes may be missing (adapter timeout, request never sent because Redis is away); absent when all answered. */
  shortfall?: string;
}

/**
 * Emits `event` with `args` to every other node and collects their acknowledgements. Never rejects:
 * resolves once all answered, or when the adapter's `timeoutMs` ran out (with the answers it got), or
 * shortly after it when the request was never sent (Redis away: the adapter would never call back).
 * @example const { answers, shortfall } = await askOtherNodes<NodeReach>(io, 'eh:broadcast', [msg], 2000);
 */
export async function askOtherNodes<T>(io: Server, event: string, args: readonly unknown[], timeoutMs: number): Promise<NodeAnswers<T>> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs + GRACE_MS);
  });
  try {
    const asked = io.serverSideEmitWithAck(event, ...args) as Promise<T[]>;
    return { answers: await Promise.race([asked, deadline]) };
  } catch (err) {
    // The adapter's timeout error carries what the nodes that did answer sent.
    const partial = (err as { responses?: unknown }).responses;
    return { answers: Array.isArray(partial) ? (partial as T[]) : [], shortfall: (err as Error).message };
  } finally {
    clearTimeout(timer);
  }
}

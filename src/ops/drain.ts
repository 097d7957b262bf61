// Owns graceful shutdown: the ordered steps (stop accepting, stop consuming, flush client buffers, tell
// clients, close the broker) run within one deadline, after which every socket left is cut. Knows no wire format.
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import type { Hub } from '../hub/hub';

/** One named shutdown step. */
export interface DrainStep {
  name: string;
  run(): Promise<void> | void;
}

/**
 * Remembers every TCP connection of a server (HTTP, upgraded WebSocket, polling) so the last step of a
 * drain can cut whatever is still open when the deadline comes.
 * @example const sockets = trackSockets(httpServer); … sockets.destroyAll();
 */
export function trackSockets(server: Server): { readonly size: number; destroyAll(): number } {
  const open = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
  });
  return {
    get size() {
      return open.size;
    },
    destroyAll() {
      const n = open.size;
      for (const s of open) s.destroy();
      open.clear();
      return n;
    },
  };
}

/**
 * Resolves once no open connection has bytes queued, or after `timeoutMs` (a reader that stalls does not hold up the drain).
 * @example await flushClientBuffers(hub, 2000);
 */
export async function flushClientBuffers(hub: Hub, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let pending = 0;
    for (const session of hub.sessions) if (!session.closed) pending += session.transport.bufferedBytes();
    if (pending === 0 || Date.now() >= deadline) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Runs the steps in order within `deadlineMs` overall; a step that overruns is abandoned (logged) and the
 * next one starts; `final` always runs (at most 3 s more). Never rejects.
 * @example await drain(steps, 10000, logger, async () => { sockets.destroyAll(); await bus.close(); });
 */
export async function drain(steps: readonly DrainStep[], deadlineMs: number, logger: Logger, final: () => Promise<void>): Promise<void> {
  const started = Date.now();
  for (const step of steps) {
    const left = deadlineMs - (Date.now() - started);
    if (left <= 0) {
      logger.warn({ step: step.name }, 'shutdown deadline reached; skipping the remaining steps');
      break;
    }
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      Promise.resolve()
        .then(() => step.run())
        .then(() => 'done' as const, (err: Error) => {
          logger.warn({ step: step.name, err: err.message }, 'shutdown step failed');
          return 'failed' as const;
        }),
      new Promise<'late'>((resolve) => {
        timer = setTimeout(() => resolve('late'), left);
      }),
    ]);
    clearTimeout(timer);
    if (outcome === 'late') logger.warn({ step: step.name, deadlineMs }, 'shutdown step overran the deadline');
    else logger.debug({ step: step.name, ms: Date.now() - started }, 'shutdown step done');
  }
  // Closing the broker and the rest always happens, within a short cap of its own.
  await Promise.race([final().catch((err: Error) => logger.warn({ err: err.message }, 'shutdown: closing the back ends failed')), new Promise((r) => setTimeout(r, 3000).unref())]);
  logger.info({ ms: Date.now() - started }, 'shutdown complete');
}

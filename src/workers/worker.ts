// Owns a worker process of a multi-worker machine: starts the app without a listener of its own,
// serves the connections the primary hands it, says when it serves, answers readiness questions, and
// stops when the primary goes away. Knows the IPC messages, not the routing.
import net from 'node:net';
import type { Logger } from 'pino';
import { AggregatorRegistry } from 'prom-client';
import type { Config } from '../config';
import { App, startApp } from '../app';
import { isMessage, ReadinessAnswer, ReadyMessage } from './messages';
import { WorkerLink } from './worker-link';
import { affinityCookie, sidPrefix } from './route';

/** How often a starting worker checks whether it serves yet. */
const READY_POLL_MS = 50;

/**
 * Starts worker `index` of a machine listening on `port` (the primary's).
 * @example const app = await startWorker(config, logger, 0, 5555);
 */
export async function startWorker(config: Config, logger: Logger, index: number, port: number): Promise<App> {
  const link = new WorkerLink();
  const app = await startApp({ ...config, port }, logger, { worker: { index, sidPrefix: sidPrefix(index), affinityCookie: affinityCookie(index), link } });
  if (!app.accept) throw new Error('the app was not started as a worker');
  const accept = app.accept;
  // Constructing one installs prom-client's answer to the primary's metrics requests.
  void new AggregatorRegistry();
  AggregatorRegistry.setRegistries([app.ops.metrics.registry]);
  process.on('message', (msg: unknown, handle: unknown) => {
    if (isMessage.connection(msg) && handle instanceof net.Socket) {
      accept(handle, Buffer.from(msg.head, 'base64'));
    } else if (isMessage.readinessQuestion(msg)) {
      const answer: ReadinessAnswer = { type: 'eh:readiness', id: msg.id, index, readiness: app.ops.readiness.evaluate() };
      process.send?.(answer);
    }
  });
  // The primary is gone (killed): nobody routes to this worker any more.
  process.on('disconnect', () => {
    app.stop().finally(() => process.exit(0));
  });
  // Serving means the broker is connected and its queue consumes: a subscribe can bind at once.
  while (!app.ops.readiness.evaluate().ready) await new Promise((resolve) => setTimeout(resolve, READY_POLL_MS));
  const ready: ReadyMessage = { type: 'eh:ready', index };
  process.send?.(ready);
  return app;
}

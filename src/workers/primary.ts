// Owns the primary process of a multi-worker machine (`EH_WORKERS` > 1): binds the port, forks the
// workers, routes connections to them, restarts a worker that dies, relays their pub/sub, answers
// machine-wide /metrics and /readyz, and stops them all on a signal. Serves no client itself.
import cluster, { Worker } from 'node:cluster';
import type net from 'node:net';
import type { Logger } from 'pino';
import { setupPrimary as setupClusterAdapter } from '@socket.io/cluster-adapter';
import type { Config } from '../config';
import type { Readiness } from '../ops/health';
import { Dispatcher } from './dispatcher';
import { MachineEndpoints } from './machine-endpoints';
import { ConnectionMessage, isMessage, ReadinessQuestion } from './messages';
import { isRelayMessage } from './worker-link';

/** Env vars through which a worker learns its index and the machine's port. */
export const WORKER_INDEX_ENV = 'EH_WORKER_INDEX';
export const WORKER_PORT_ENV = 'EH_WORKER_PORT';
/** How long a worker has to answer a readiness question. */
const READINESS_ANSWER_MS = 1000;
/** Restart delay after a crash; doubled (up to the max) while a worker keeps dying young. */
const RESTART_MIN_MS = 200;
const RESTART_MAX_MS = 10_000;
/** A worker that lived this long before dying is restarted at once again. */
const YOUNG_MS = 10_000;

interface Slot {
  worker?: Worker;
  serving: boolean;
  startedAt: number;
  restartDelayMs: number;
}

/**
 * Runs the primary until a signal stops it. Resolves with the URL once every worker serves.
 * @example const primary = await startPrimary(config, logger, 2); console.log(primary.url); … await primary.stop();
 */
export async function startPrimary(config: Config, logger: Logger, count: number): Promise<{ url: string; port: number; stop(): Promise<void> }> {
  const slots: Slot[] = Array.from({ length: count }, () => ({ serving: false, startedAt: 0, restartDelayMs: RESTART_MIN_MS }));
  let stopping = false;
  let everyoneServed = false;
  let questions = 0;
  const answers = new Map<number, (answer: { index: number; readiness: Readiness }) => void>();

  const endpoints = new MachineEndpoints({
    expected: count,
    readiness: () =>
      Promise.all(
        slots.map((slot, index) => new Promise<{ index: number; readiness: Readiness } | undefined>((resolve) => {
          const worker = slot.worker;
          if (!worker?.isConnected()) return resolve({ index, readiness: { ready: false, checks: { worker: 'restarting' } } });
          const id = ++questions;
          const timer = setTimeout(() => {
            answers.delete(id);
            resolve({ index, readiness: { ready: false, checks: { worker: `no answer within ${READINESS_ANSWER_MS} ms` } } });
          }, READINESS_ANSWER_MS);
          answers.set(id, (a) => {
            clearTimeout(timer);
            answers.delete(id);
            resolve(a);
          });
          const question: ReadinessQuestion = { type: 'eh:readiness?', id };
          worker.send(question);
        })),
      ).then((all) => all.filter((a) => a !== undefined)),
  });

  const dispatcher = new Dispatcher(
    {
      serving: () => slots.flatMap((s, i) => (s.serving && s.worker?.isConnected() ? [i] : [])),
      toWorker: (index: number, socket: net.Socket, head: Buffer) => {
        const message: ConnectionMessage = { type: 'eh:connection', head: head.toString('base64') };
        slots[index]!.worker!.send(message, socket, { keepOpen: false }, (err) => {
          if (err) socket.destroy();
        });
      },
      toPrimary: (socket, head) => endpoints.accept(socket, head),
    },
    logger,
  );
  const port = await dispatcher.listen(config.port, config.host);
  const shownHost = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  const url = `http://${shownHost}:${port}`;

  setupClusterAdapter();
  let allServing: () => void = () => undefined;
  let failed: (err: Error) => void = () => undefined;
  const started = new Promise<void>((resolve, reject) => {
    allServing = resolve;
    failed = reject;
  });

  const fork = (index: number) => {
    const slot = slots[index]!;
    slot.serving = false;
    slot.startedAt = Date.now();
    const worker = cluster.fork({ [WORKER_INDEX_ENV]: String(index), [WORKER_PORT_ENV]: String(port) });
    slot.worker = worker;
    worker.on('message', (msg: unknown) => {
      if (isMessage.ready(msg)) {
        slot.serving = true;
        logger.info({ worker: index, pid: worker.process.pid }, 'worker serving');
        dispatcher.flush();
        if (!everyoneServed && slots.every((s) => s.serving)) {
          everyoneServed = true;
          allServing();
        }
      } else if (isMessage.readinessAnswer(msg)) {
        answers.get(msg.id)?.({ index: msg.index, readiness: msg.readiness });
      } else if (isRelayMessage(msg)) {
        for (const other of slots) if (other.worker && other.worker !== worker && other.worker.isConnected()) other.worker.send(msg);
      }
    });
    worker.on('exit', (code, signal) => {
      slot.serving = false;
      if (slot.worker === worker) slot.worker = undefined;
      if (stopping) return;
      if (!everyoneServed) {
        failed(new Error(`worker ${index} exited during start-up (${signal ?? `code ${code}`})`));
        return;
      }
      const young = Date.now() - slot.startedAt < YOUNG_MS;
      slot.restartDelayMs = young ? Math.min(slot.restartDelayMs * 2, RESTART_MAX_MS) : RESTART_MIN_MS;
      logger.error({ worker: index, pid: worker.process.pid, code, signal, restartInMs: slot.restartDelayMs }, 'worker exited; its clients reconnect to the others; restarting it');
      setTimeout(() => {
        if (!stopping) fork(index);
      }, slot.restartDelayMs).unref();
    });
  };

  const stop = async () => {
    stopping = true;
    dispatcher.close();
    const exits = slots.flatMap((s) => (s.worker && !s.worker.isDead() ? [s.worker] : [])).map(
      (w) => new Promise<void>((resolve) => {
        w.once('exit', () => resolve());
        w.process.kill('SIGTERM');
      }),
    );
    await Promise.all(exits);
  };

  for (let i = 0; i < count; i++) fork(i);
  try {
    await started;
  } catch (err) {
    await stop();
    throw err;
  }
  logger.info({ url, workers: count }, 'Event Horizon listening');
  return { url, port, stop };
}

/** Forwards SIGHUP (reload credentials) to every worker. */
export function forwardToWorkers(signal: NodeJS.Signals): void {
  for (const w of Object.values(cluster.workers ?? {})) w?.process.kill(signal);
}

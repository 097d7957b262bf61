// Owns the IPC messages between the primary and its workers (besides the Socket.IO cluster adapter's
// and prom-client's own): their shapes and type guards. Knows no sockets or apps.
import type { Readiness } from '../ops/health';

/** Primary → worker, with a socket handle: a connection and the bytes the primary read from it. */
export interface ConnectionMessage {
  type: 'eh:connection';
  /** base64 of the request head read so far (the worker puts it back in front of the socket). */
  head: string;
}

/** Worker → primary: this worker serves (broker connected, bindings possible). */
export interface ReadyMessage {
  type: 'eh:ready';
  index: number;
}

/** Primary → worker: asks for the worker's readiness. */
export interface ReadinessQuestion {
  type: 'eh:readiness?';
  id: number;
}

/** Worker → primary: the answer. */
export interface ReadinessAnswer {
  type: 'eh:readiness';
  id: number;
  index: number;
  readiness: Readiness;
}

function typed(msg: unknown, type: string): boolean {
  return typeof msg === 'object' && msg !== null && (msg as { type?: unknown }).type === type;
}

/** Type guards for the messages above. */
export const isMessage = {
  connection: (m: unknown): m is ConnectionMessage => typed(m, 'eh:connection') && typeof (m as ConnectionMessage).head === 'string',
  ready: (m: unknown): m is ReadyMessage => typed(m, 'eh:ready'),
  readinessQuestion: (m: unknown): m is ReadinessQuestion => typed(m, 'eh:readiness?'),
  readinessAnswer: (m: unknown): m is ReadinessAnswer => typed(m, 'eh:readiness'),
};

// Owns the IPC vocabulary between the orchestrator and its load-generating children (client fleets,
// the publisher, the broker-hop consumer). Types only; no behaviour.
import type { SparseHistogram } from './histogram';
import type { ProtocolName, SubscriptionSpec } from './wire-protocols';

/** Orchestrator → client fleet. */
export type FleetCommand =
  | { type: 'connect'; protocol: ProtocolName; base: string; vhost: string; token: string; specs: SubscriptionSpec[]; concurrency: number; timeoutMs: number; deadlineMs: number; localAddress?: string }
  /**
   * Starts (or restarts) counting. With `trackSeq`, reports each sequence number once it is complete
   * here: at every client of this fleet (`completeAt: 'all'`) or at its first receiver (`1`).
   */
  | { type: 'measure'; trackSeq: boolean; completeAt: 'all' | 1 }
  | { type: 'report' }
  /** How many of the fleet's clients are still open. */
  | { type: 'count-open' }
  | { type: 'churn'; protocol: ProtocolName; base: string; vhost: string; token: string; spec: SubscriptionSpec; concurrency: number; durationMs: number; maxCycles: number; timeoutMs: number }
  | { type: 'close' };

/** Client fleet → orchestrator. */
export type FleetReport =
  | { type: 'ready'; connected: number; failed: number; firstError?: string; elapsedMs: number }
  | { type: 'done'; seqs: number[] }
  | { type: 'stats'; received: number; histogram: SparseHistogram; maxUs: number; elapsedMs: number }
  | { type: 'churned'; cycles: number; failed: number; firstError?: string; elapsedMs: number; histogram: SparseHistogram; maxUs: number }
  | { type: 'open'; open: number }
  | { type: 'closed' };

/** One event target of the publisher: the account in the payload and the call id in the routing key. */
export interface PublishTarget {
  accountId: string;
  callId: string;
}

/** Orchestrator → publisher. */
export type PublisherCommand =
  | { type: 'start'; amqpUrl: string; targets: PublishTarget[]; mode: 'window'; window: number; durationMs: number; maxEvents: number; stallMs: number }
  | { type: 'start'; amqpUrl: string; targets: PublishTarget[]; mode: 'rate'; perSecond: number; durationMs: number; maxEvents: number }
  | { type: 'done'; seqs: number[] }
  | { type: 'stop' };

/** Publisher → orchestrator. */
export type PublisherReport =
  | { type: 'connected' }
  | { type: 'finished'; published: number; completed: number; stalled: number; elapsedMs: number };

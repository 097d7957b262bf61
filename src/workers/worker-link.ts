// Owns the worker side of the pub/sub link between the workers of one machine: messages go to the
// primary over the cluster IPC channel, which hands them to every other worker. No sockets, no Redis.
import type { PeerLink } from '../cluster/peer-link';

/** The IPC message type the primary relays between workers. */
export const RELAY_TYPE = 'eh:relay';

/** A relayed pub/sub message on the IPC channel. */
export interface RelayMessage {
  type: typeof RELAY_TYPE;
  channel: string;
  message: string;
}

/** Whether an IPC message is a relayed pub/sub message. */
export function isRelayMessage(msg: unknown): msg is RelayMessage {
  const m = msg as Partial<RelayMessage> | null;
  return typeof m === 'object' && m !== null && m.type === RELAY_TYPE && typeof m.channel === 'string' && typeof m.message === 'string';
}

/**
 * A {@link PeerLink} to this machine's other workers, through the primary. Up while the IPC channel is.
 * @example const link = new WorkerLink(); link.subscribe('eh:cluster:revoked', hear); void link.publish('eh:cluster:revoked', '{}');
 */
export class WorkerLink implements PeerLink {
  private readonly listeners = new Map<string, Array<(message: string) => void>>();

  constructor(private readonly proc: NodeJS.Process = process) {
    proc.on('message', (msg: unknown) => {
      if (!isRelayMessage(msg)) return;
      for (const l of this.listeners.get(msg.channel) ?? []) l(msg.message);
    });
  }

  get up(): boolean {
    return this.proc.connected === true;
  }

  subscribe(channel: string, listener: (message: string) => void): void {
    const list = this.listeners.get(channel) ?? [];
    list.push(listener);
    this.listeners.set(channel, list);
  }

  publish(channel: string, message: string): Promise<boolean> {
    if (!this.up || !this.proc.send) return Promise.resolve(false);
    const relay: RelayMessage = { type: RELAY_TYPE, channel, message };
    return new Promise((resolve) => this.proc.send!(relay, undefined, {}, (err) => resolve(!err)));
  }

  /** The IPC channel only goes down with the primary, and the worker exits then: nothing to tell. */
  onChange(listener: (up: boolean) => void): void {
    void listener;
  }
}

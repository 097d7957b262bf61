// Owns what unit tests need to drive a real Hub without RabbitMQ: an in-memory event bus that counts
// bindings, a transport that records what it was asked to send, and KAZOO call events as bytes.
import pino from 'pino';
import { BindingCatalogue } from '../../src/bindings/catalogue';
import type { AmqpBinding } from '../../src/bindings/family';
import type { EventBus } from '../../src/hub/event-bus';
import type { FanoutBatch, FanoutTarget } from '../../src/hub/fanout';
import { Hub } from '../../src/hub/hub';
import type { ClientGeneration, CommandOrigin, SessionTransport } from '../../src/hub/session';
import type { Reply } from '../../src/protocol/replies';

/** Every binding is live at once; `held()` lists the bindings some room still needs. */
export class MemoryBus implements EventBus {
  private readonly counts = new Map<string, number>();

  async acquire(b: AmqpBinding): Promise<void> {
    const id = `${b.exchange} ${b.routingKey}`;
    this.counts.set(id, (this.counts.get(id) ?? 0) + 1);
  }

  release(b: AmqpBinding): void {
    const id = `${b.exchange} ${b.routingKey}`;
    const n = (this.counts.get(id) ?? 0) - 1;
    if (n > 0) this.counts.set(id, n);
    else this.counts.delete(id);
  }

  held(): string[] {
    return [...this.counts.keys()].sort();
  }
}

/** A fan-out target that keeps every batch it was handed. */
export class RecordingTarget implements FanoutTarget {
  readonly batches: FanoutBatch[] = [];
  constructor(readonly name = 'recording') {}
  deliver(batch: FanoutBatch): void {
    this.batches.push(batch);
  }
}

/**
 * A fan-out target that sends each room's envelope JSON to its open members, as the raw WebSocket
 * writer does (a parked session stays in its rooms, but its socket is gone).
 */
export class EnvelopeWriter implements FanoutTarget {
  readonly name = 'envelope-writer';
  deliver(batch: FanoutBatch): void {
    for (const hit of batch.hits) for (const session of hit.room.membersOf(this) ?? []) if (!session.closed) (session.transport as RecordingTransport).send(hit.envelopeJson);
  }
}

/** A connection of any generation that records its replies and the raw texts sent to it. */
export class RecordingTransport implements SessionTransport {
  readonly replies: Reply[] = [];
  readonly sent: string[] = [];
  /** Replies and sent texts in the order they went out. */
  readonly wire: Array<{ reply: Reply } | { text: string }> = [];
  readonly rooms = new Set<string>();
  readonly remoteAddress = '127.0.0.1';
  /** How many times the hub ended this connection for lost credentials. */
  credentialCloses = 0;

  constructor(readonly target: FanoutTarget, readonly generation: ClientGeneration = 'websocket') {}

  reply(reply: Reply, _origin: CommandOrigin): void {
    this.replies.push(reply);
    this.wire.push({ reply });
  }

  send(text: string): void {
    this.sent.push(text);
    this.wire.push({ text });
  }

  closeForCredentials(): void {
    this.credentialCloses += 1;
  }

  joinRoom(room: string): void {
    this.rooms.add(room);
  }

  leaveRoom(room: string): void {
    this.rooms.delete(room);
  }
}

/** A hub over the default catalogue and an in-memory bus. */
export function memoryHub(maxBindingsPerConnection = 100) {
  const catalogue = new BindingCatalogue();
  const bus = new MemoryBus();
  const hub = new Hub({ catalogue, bus, logger: pino({ level: 'silent' }), bindTimeoutMs: 1000, maxBindingsPerConnection });
  return { hub, bus, catalogue };
}

/** A KAZOO call event as `hub.deliver` takes it from the broker. */
export function callEvent(accountId: string, eventName: string, callId: string, extra: Record<string, unknown> = {}) {
  const payload = { 'Event-Name': eventName, 'Call-ID': callId, 'Custom-Channel-Vars': { 'Account-ID': accountId }, ...extra };
  return { exchange: 'callevt', routingKey: `call.${eventName}.${encodeURIComponent(callId)}`, content: Buffer.from(JSON.stringify(payload)), payload };
}

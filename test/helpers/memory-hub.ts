// Owns what unit tests need to drive a real Hub without RabbitMQ: an in-memory event bus that counts
// bindings, a transport that records what it was asked to send, and KAZOO call events as bytes.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import pino from 'pino';
import { BindingCatalogue } from '../../src/bindings/catalogue';
import type { AmqpBinding } from '../../src/bindings/family';
import type { EventBus } from '../../src/hub/event-bus';
import type { FanoutBatch } from '../../src/hub/fanout';
import { EventFanout } from '../../src/hub/event-fanout';
import { Hub, HubOptions } from '../../src/hub/hub';
import type { CommandOrigin, Resumption, SessionTransport, Transport } from '../../src/hub/transport';
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

/** A transport of the given resumption that claims no request and keeps every batch it was handed. */
export class RecordingTarget implements Transport {
  readonly batches: FanoutBatch[] = [];
  readonly labels: string[];
  constructor(readonly name = 'recording', readonly resumption: Resumption = 'none') {
    this.labels = [name];
  }
  claimsRequest(_req: IncomingMessage): boolean {
    return false;
  }
  claimsUpgrade(_req: IncomingMessage): boolean {
    return false;
  }
  startsSession(_req: IncomingMessage): boolean {
    return false;
  }
  handleRequest(_req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(404).end();
  }
  handleUpgrade(_req: IncomingMessage, socket: Duplex): void {
    socket.destroy();
  }
  async close(): Promise<void> {}
  deliver(batch: FanoutBatch): void {
    this.batches.push(batch);
  }
}

/**
 * A transport that sends each room's envelope JSON to its open members, as the raw WebSocket writer
 * does (a parked session stays in its rooms, but its socket is gone).
 */
export class EnvelopeWriter extends RecordingTarget {
  constructor(resumption: Resumption = 'by-command') {
    super('envelope-writer', resumption);
  }
  override deliver(batch: FanoutBatch): void {
    for (const hit of batch.hits) for (const session of hit.room.membersOf(this) ?? []) if (!session.closed) session.transport.replay([hit.envelopeJson]);
  }
}

/** A connection of any generation that records its replies and the raw texts sent to it. */
export class RecordingTransport implements SessionTransport {
  readonly replies: Reply[] = [];
  readonly sent: string[] = [];
  /** Replies and sent texts in the order they went out. */
  readonly wire: Array<{ reply: Reply } | { text: string }> = [];
  readonly remoteAddress = '127.0.0.1';
  /** How many times the hub ended this connection for lost credentials. */
  credentialCloses = 0;
  /** Drops asked for (code and reason), in order. */
  readonly drops: Array<{ code: number; reason: string }> = [];
  /** Set to say the client ended the connection itself. */
  endedByPeer = false;
  /** What `bufferedBytes()` answers. */
  buffered = 0;

  readonly recoverySecret = undefined;
  constructor(readonly target: Transport, readonly generation = 'websocket', readonly recoveryKey: string | undefined = undefined) {}

  get label(): string {
    return this.generation;
  }

  reply(reply: Reply, _origin: CommandOrigin): void {
    this.replies.push(reply);
    this.wire.push({ reply });
  }

  replay(envelopes: readonly string[]): void {
    for (const text of envelopes) this.send(text);
  }

  send(text: string): void {
    this.sent.push(text);
    this.wire.push({ text });
  }

  bufferedBytes(): number {
    return this.buffered;
  }

  drop(code: number, reason: string): void {
    this.drops.push({ code, reason });
  }

  closeForCredentials(): void {
    this.credentialCloses += 1;
  }
}

/** A hub over the default catalogue and an in-memory bus (`parking` for recovery). */
export function memoryHub(maxBindingsPerConnection = 100, parking?: HubOptions['parking']) {
  const catalogue = new BindingCatalogue();
  const bus = new MemoryBus();
  const hub = new Hub({ catalogue, bus, logger: pino({ level: 'silent' }), bindTimeoutMs: 1000, maxBindingsPerConnection, ...(parking ? { parking } : {}) });
  return { hub, bus, catalogue };
}

/** The fan-out of `hub` to `transports` (a recorder first, when given): `deliver` takes broker deliveries. */
export function memoryFanout(hub: Hub, transports: Transport[], recorder?: { record(batch: FanoutBatch): void }): EventFanout {
  return new EventFanout({ hub, logger: pino({ level: 'silent' }), transports, ...(recorder ? { recorder } : {}) });
}

/** A KAZOO call event as `fanout.deliver` takes it from the broker. */
export function callEvent(accountId: string, eventName: string, callId: string, extra: Record<string, unknown> = {}) {
  const payload = { 'Event-Name': eventName, 'Call-ID': callId, 'Custom-Channel-Vars': { 'Account-ID': accountId }, ...extra };
  return { exchange: 'callevt', routingKey: `call.${eventName}.${encodeURIComponent(callId)}`, content: Buffer.from(JSON.stringify(payload)), payload };
}

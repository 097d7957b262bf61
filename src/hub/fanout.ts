// Owns one event's fan-out: the rooms it reached and each room's envelope, encoded at most once
// per room however many clients and transports read it. Transports write it (src/hub/transport.ts).
import { hash } from 'node:crypto';
import type { RoutedEvent } from '../bindings/family';
import { EventEnvelope, eventEnvelope } from '../protocol/event-envelope';
import { publicPayload } from '../protocol/payload';
import type { Room } from './subscription-index';

/** One room an event reached, with its envelope built and encoded lazily, once. */
export class RoomHit {
  private cachedEnvelope?: EventEnvelope;
  private cachedJson?: string;

  constructor(readonly room: Room, readonly subscriptionKey: string, private readonly batch: FanoutBatch) {}

  get envelope(): EventEnvelope {
    this.cachedEnvelope ??= eventEnvelope(
      this.room.binding,
      this.subscriptionKey,
      this.batch.routed.name,
      this.batch.routed.routingKey,
      this.batch.publicPayload,
    );
    return this.cachedEnvelope;
  }

  get envelopeJson(): string {
    this.cachedJson ??= JSON.stringify(this.envelope);
    return this.cachedJson;
  }
}

/** A read-only view of every batch after the transports wrote it (metrics, the console's room rates). */
export interface FanoutObserver {
  observe(batch: FanoutBatch): void;
}

/** One routed event and every room it reached on this node. */
export class FanoutBatch {
  readonly hits: RoomHit[];
  private cachedPublic?: Record<string, unknown>;
  private cachedSocketJson?: string;
  private cachedId?: string;
  private stamped?: string;

  /**
   * `rawJson` is the AMQP body as received, the JSON text `rawPayload` was parsed from; `arrivedAt` is
   * `performance.now()` when the delivery arrived (delivery latency).
   */
  constructor(
    readonly routed: RoutedEvent,
    readonly rawPayload: Record<string, unknown>,
    rooms: Map<Room, string>,
    private readonly rawJson?: string,
    readonly arrivedAt?: number,
  ) {
    this.hits = [...rooms].map(([room, key]) => new RoomHit(room, key, this));
  }

  /** The event's history position, when recovery kept it (set once, before any transport writes). */
  get position(): string | undefined {
    return this.stamped;
  }

  /** Gives the batch its history position (the recorder does, once). */
  stamp(position: string): void {
    this.stamped ??= position;
  }

  /** The same on every node that routes the same delivery: a hash of its routing key and body. */
  get eventId(): string {
    // One-shot: the same SHA-1 as an incremental hash of the three parts, without a Hash object per event.
    this.cachedId ??= hash('sha1', `${this.routed.routingKey}\n${this.rawJson ?? JSON.stringify(this.rawPayload)}`, 'base64url');
    return this.cachedId;
  }

  /** The payload as envelope clients see it (normalized once). */
  get publicPayload(): Record<string, unknown> {
    this.cachedPublic ??= this.routed.present ? this.routed.present(this.rawPayload) : publicPayload(this.rawPayload);
    return this.cachedPublic;
  }

  /** The payload of the Socket.IO named event (`CHANNEL_CREATE`, …): raw, or normalized for fax. */
  get socketPayload(): Record<string, unknown> {
    return this.routed.socketPayloadNormalized ? this.publicPayload : this.rawPayload;
  }

  /**
   * `socketPayload` as JSON text. The raw payload is the body as KAZOO sent it, not re-encoded: any
   * JSON parser reads the same value from it (large integers more exactly).
   */
  get socketPayloadJson(): string {
    this.cachedSocketJson ??= this.routed.socketPayloadNormalized || this.rawJson === undefined ? JSON.stringify(this.socketPayload) : this.rawJson;
    return this.cachedSocketJson;
  }
}

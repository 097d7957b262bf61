// Owns "once" across a lost broker connection: remembers the last deliveries this node handled, so a
// message RabbitMQ delivers again (flagged `redelivered`, because its acknowledgement never reached the
// broker) is recognised and not handed to the clients a second time. Pure state; knows no AMQP.
//
// Why a window of `prefetch` deliveries is enough: RabbitMQ never has more than `prefetch`
// unacknowledged deliveries out to one consumer, and acknowledgements are cumulative, so what it
// requeues when a channel dies is always among the last `prefetch` deliveries of that channel.
//
// Why first deliveries cost no hash: a redelivery can only match a delivery of an earlier channel, so
// the window's deliveries are fingerprinted once, when the next channel starts (at most `window`
// hashes per reconnection), and on a channel only redelivered messages are hashed as they arrive.
import { createHash } from 'node:crypto';

/** One delivery as the broker gave it. */
export interface Delivery {
  readonly exchange: string;
  readonly routingKey: string;
  readonly content: Buffer;
}

interface Entry {
  /** Held until the entry is fingerprinted (when the next channel starts), then let go. */
  delivery?: Delivery;
  fingerprint?: string;
  /** The channel it came on: a redelivery matches only deliveries of earlier channels. */
  channel: number;
  /** False once a redelivery matched it: one handled delivery excuses one redelivery, not two. */
  live: boolean;
}

/** A delivery's identity: exchange, routing key and body. */
export function fingerprint(d: Delivery): string {
  return createHash('sha1').update(d.exchange).update('\u0000').update(d.routingKey).update('\u0000').update(d.content).digest('base64');
}

/**
 * @example
 * const seen = new RedeliveryFilter(500);
 * seen.nextChannel(); // on every new consuming channel
 * if (seen.admit({ exchange, routingKey, content }, msg.fields.redelivered)) hub.deliver(exchange, routingKey, content);
 */
export class RedeliveryFilter {
  private readonly ring: Array<Entry | undefined>;
  private next = 0;
  private channel = 0;
  /** Channels of the live fingerprinted entries of each fingerprint, oldest first. */
  private readonly live = new Map<string, number[]>();
  /** Redeliveries recognised and not handed on, since start. */
  dropped = 0;
  /** Fingerprints computed, since start (first deliveries of a healthy channel cost none). */
  hashed = 0;

  /** `window`: how many recent deliveries to remember (at least the consumer prefetch). */
  constructor(readonly window: number) {
    this.ring = new Array<Entry | undefined>(Math.max(1, window));
  }

  /** Deliveries from now on come on a new channel (after a reconnection): the window is fingerprinted. */
  nextChannel(): void {
    // Oldest first, so each fingerprint's channel list stays in order.
    for (let i = 0; i < this.ring.length; i++) {
      const entry = this.ring[(this.next + i) % this.ring.length];
      if (!entry?.delivery) continue;
      this.index(entry, this.hash(entry.delivery));
    }
    this.channel++;
  }

  /**
   * Records a delivery and says whether to hand it on: false only for a redelivery of one already
   * handled on an earlier channel (then that earlier one no longer excuses another copy).
   */
  admit(delivery: Delivery, redelivered: boolean): boolean {
    if (!redelivered) {
      this.remember({ delivery, channel: this.channel, live: true });
      return true;
    }
    const fp = this.hash(delivery);
    let handOn = true;
    const channels = this.live.get(fp);
    if (channels && channels[0]! < this.channel) {
      handOn = false;
      this.dropped++;
      this.consumeOldest(fp);
    }
    const entry: Entry = { channel: this.channel, live: true };
    this.remember(entry);
    this.index(entry, fp);
    return handOn;
  }

  private hash(delivery: Delivery): string {
    this.hashed++;
    return fingerprint(delivery);
  }

  private index(entry: Entry, fp: string): void {
    entry.fingerprint = fp;
    entry.delivery = undefined;
    const channels = this.live.get(fp);
    if (channels) channels.push(entry.channel);
    else this.live.set(fp, [entry.channel]);
  }

  private consumeOldest(fp: string): void {
    for (let i = 0; i < this.ring.length; i++) {
      const entry = this.ring[(this.next + i) % this.ring.length];
      if (entry && entry.live && entry.fingerprint === fp) {
        entry.live = false;
        this.dropOldest(fp);
        return;
      }
    }
  }

  private remember(entry: Entry): void {
    const evicted = this.ring[this.next];
    // The ring's oldest fingerprinted entry is also the oldest of its fingerprint.
    if (evicted?.live && evicted.fingerprint !== undefined) this.dropOldest(evicted.fingerprint);
    this.ring[this.next] = entry;
    this.next = (this.next + 1) % this.ring.length;
  }

  private dropOldest(fp: string): void {
    const channels = this.live.get(fp);
    channels?.shift();
    if (channels && channels.length === 0) this.live.delete(fp);
  }
}

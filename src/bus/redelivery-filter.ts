// Owns "once" across a lost broker connection: remembers the last deliveries this node handled, so a
// message RabbitMQ delivers again (flagged `redelivered`, because its acknowledgement never reached the
// broker) is recognised and not handed to the clients a second time. Pure state; knows no AMQP.
//
// Why a window of `prefetch` deliveries is enough: RabbitMQ never has more than `prefetch`
// unacknowledged deliveries out to one consumer, and acknowledgements are cumulative, so what it
// requeues when a channel dies is always among the last `prefetch` deliveries of that channel.
import { createHash } from 'node:crypto';

interface Entry {
  fingerprint: string;
  /** The channel it came on: a redelivery matches only deliveries of earlier channels. */
  channel: number;
  /** False once a redelivery matched it: one handled delivery excuses one redelivery, not two. */
  live: boolean;
}

/** A delivery's identity: exchange, routing key and body. */
export function fingerprint(exchange: string, routingKey: string, content: Buffer): string {
  return createHash('sha1').update(exchange).update('\u0000').update(routingKey).update('\u0000').update(content).digest('base64');
}

/**
 * @example
 * const seen = new RedeliveryFilter(500);
 * seen.nextChannel(); // on every new consuming channel
 * if (seen.admit(fingerprint(ex, rk, body), msg.fields.redelivered)) hub.deliver(ex, rk, body);
 */
export class RedeliveryFilter {
  private readonly ring: Array<Entry | undefined>;
  private next = 0;
  private channel = 0;
  /** Channels of the live entries of each fingerprint, oldest first. */
  private readonly live = new Map<string, number[]>();
  /** Redeliveries recognised and not handed on, since start. */
  dropped = 0;

  /** `window`: how many recent deliveries to remember (at least the consumer prefetch). */
  constructor(readonly window: number) {
    this.ring = new Array<Entry | undefined>(Math.max(1, window));
  }

  /** Deliveries from now on come on a new channel (after a reconnection). */
  nextChannel(): void {
    this.channel++;
  }

  /**
   * Records a delivery and says whether to hand it on: false only for a redelivery of one already
   * handled on an earlier channel (then that earlier one no longer excuses another copy).
   */
  admit(fp: string, redelivered: boolean): boolean {
    let handOn = true;
    if (redelivered) {
      const channels = this.live.get(fp);
      if (channels && channels[0]! < this.channel) {
        handOn = false;
        this.dropped++;
        this.consumeOldest(fp);
      }
    }
    this.remember(fp);
    return handOn;
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

  private remember(fp: string): void {
    const evicted = this.ring[this.next];
    // The ring's oldest entry is also the oldest of its fingerprint.
    if (evicted?.live) this.dropOldest(evicted.fingerprint);
    this.ring[this.next] = { fingerprint: fp, channel: this.channel, live: true };
    this.next = (this.next + 1) % this.ring.length;
    const channels = this.live.get(fp);
    if (channels) channels.push(this.channel);
    else this.live.set(fp, [this.channel]);
  }

  private dropOldest(fp: string): void {
    const channels = this.live.get(fp);
    channels?.shift();
    if (channels && channels.length === 0) this.live.delete(fp);
  }
}

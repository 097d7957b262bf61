// Publishes events to RabbitMQ exactly as KAZOO does (exchange, routing key, JSON payload), built
// from the real samples in fixtures/, with the test's own account and call ids.
import * as amqp from 'amqplib';
import { callEvent, CallEventName } from '../../src/simulator/kazoo-events';
import { encodeKeyPart } from '../../src/bindings/key-encoding';
import { encodedAccountDb } from '../../src/bindings/families/object';
import { publicPayload } from '../../src/protocol/payload';

export const AMQP_URL = process.env['EH_AMQP_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672';

/**
 * A KAZOO stand-in on the real broker.
 * @example const kazoo = await KazooPublisher.connect(); await kazoo.call('CHANNEL_CREATE', account, callId);
 */
export class KazooPublisher {
  private constructor(private readonly connection: amqp.ChannelModel, private readonly channel: amqp.ConfirmChannel) {}

  static async connect(url = AMQP_URL): Promise<KazooPublisher> {
    const connection = await amqp.connect(url);
    const channel = await connection.createConfirmChannel();
    for (const exchange of ['callevt', 'conference', 'configuration']) await channel.assertExchange(exchange, 'topic', { durable: false });
    return new KazooPublisher(connection, channel);
  }

  /** Publishes one payload and waits for the broker to confirm it. */
  async publish(exchange: string, routingKey: string, payload: unknown): Promise<void> {
    await this.publishBody(exchange, routingKey, Buffer.from(JSON.stringify(payload)));
  }

  /** Publishes a body exactly as given (another JSON encoder's spacing and escapes) and waits for the confirm. */
  async publishBody(exchange: string, routingKey: string, body: Buffer): Promise<void> {
    this.channel.publish(exchange, routingKey, body, { contentType: 'application/json' });
    await this.channel.waitForConfirms();
  }

  /** A call event as ecallmgr publishes it: `callevt`, `call.{EVENT}.{encoded Call-ID}`. */
  async call(name: CallEventName, accountId: string, callId: string, extra: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    const payload = { ...callEvent(name, accountId, callId), ...extra };
    await this.publish('callevt', `call.${name}.${encodeKeyPart(callId)}`, payload);
    return payload;
  }

  /** A conference event: `conference.event.{Event}.{Account}.{Conference}.{Call}`. */
  async conferenceEvent(event: string, accountId: string, conferenceId: string, callId: string): Promise<Record<string, unknown>> {
    const payload = {
      'Event-Category': 'conference', 'Event-Name': 'event', Event: event, 'Account-ID': accountId,
      'Conference-ID': conferenceId, 'Call-ID': callId, 'App-Name': 'ecallmgr', 'App-Version': '4.3.0', 'Msg-ID': callId,
      Node: 'ecallmgr@test', 'Server-ID': 'targeted/test',
    };
    await this.publish('conference', `conference.event.${event}.${accountId}.${conferenceId}.${encodeKeyPart(callId)}`, payload);
    return payload;
  }

  /** A document change as KAZOO's data layer publishes it on `configuration`. */
  async docChange(action: 'doc_created' | 'doc_edited' | 'doc_deleted', accountId: string, type: string, docId: string): Promise<Record<string, unknown>> {
    const db = encodedAccountDb(accountId);
    const payload = {
      ID: docId, Type: type, Database: decodeURIComponent(db), 'Account-ID': accountId, Rev: '1-abc',
      'Event-Category': 'configuration', 'Event-Name': action, 'App-Name': 'kazoo_data', 'App-Version': '4.3.0', Node: 'kazoo@test',
    };
    await this.publish('configuration', `${action}.${db}.${type}.${encodeKeyPart(docId)}`, payload);
    return payload;
  }

  async close(): Promise<void> {
    await this.connection.close();
  }
}

/**
 * The KAZOO 4.x `event` envelope a client subscribed to `call.{name}.*` gets for a call event published above,
 * spelled out field by field (the wire contract, not the server's own encoder).
 * @example expect(event).toEqual(expectedCallEnvelope('CHANNEL_CREATE', accountId, callId, payload))
 */
export function expectedCallEnvelope(name: CallEventName, accountId: string, callId: string, payload: Record<string, unknown>): Record<string, unknown> {
  return {
    action: 'event',
    subscribed_key: `call.${name}.*`,
    subscription_key: `call.${accountId}.${name}.*`,
    name,
    routing_key: `call.${accountId}.${name}.${encodeKeyPart(callId)}`,
    data: publicPayload(payload),
  };
}

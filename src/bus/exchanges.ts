// Owns making sure KAZOO's exchanges exist without fighting KAZOO over their options: an existing
// exchange is left as it is, a missing one is created as KAZOO creates it (topic, not durable).
import type * as amqp from 'amqplib';

/** Checks each exchange on a throwaway channel (a failed check closes it) and creates what is missing. */
export async function declareExchanges(model: amqp.ChannelModel, exchanges: string[]): Promise<void> {
  for (const exchange of exchanges) {
    const probe = await model.createChannel();
    probe.on('error', () => undefined);
    try {
      await probe.checkExchange(exchange);
      await probe.close();
    } catch {
      const maker = await model.createChannel();
      maker.on('error', () => undefined);
      await maker.assertExchange(exchange, 'topic', { durable: false, autoDelete: false });
      await maker.close();
    }
  }
}

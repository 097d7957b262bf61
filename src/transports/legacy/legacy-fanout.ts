// Owns writing events to 0.9 sessions: the named event (`CHANNEL_CREATE`, …) once per session, then one
// `message` envelope per matching room, each packet encoded (and framed) once per batch or room. Knows no transports.
import type { FanoutBatch } from '../../hub/fanout';
import type { Transport } from '../../hub/transport';
import type { Session } from '../../hub/session';
import type { LegacyConnection } from './legacy-connection';
import { mayEmitAsNamedEvent } from '../../protocol/socket-event-names';
import { SharedText } from '../websocket/text-frame';

/** `5:::{"name":"message","args":[<envelope>]}` from the envelope's JSON, without parsing it again. */
function messagePacket(envelopeJson: string): string {
  return namedPacket('message', envelopeJson);
}

/** `5:::{"name":<name>,"args":[<payload>]}`, as encodePacket(eventPacket(name, [payload])) writes it, from JSON text. */
function namedPacket(name: string, payloadJson: string): string {
  return `5:::{"name":${JSON.stringify(name)},"args":[${payloadJson}]}`;
}

/**
 * The 0.9 transport's fan-out writer, for the members of its `owner` in each room.
 * @example const fanout = new LegacyFanout(transport); fanout.deliver(batch);
 */
export class LegacyFanout {
  constructor(private readonly owner: Transport) {}

  deliver(batch: FanoutBatch): void {
    const owner = this.owner;
    const hits = batch.hits.filter((hit) => (hit.room.membersOf(owner)?.size ?? 0) > 0);
    if (hits.length === 0) return;
    const name = batch.routed.socketEventName;
    const named = mayEmitAsNamedEvent(name) ? new SharedText(namedPacket(name, batch.socketPayloadJson)) : undefined;
    const send = (session: Session, messages: SharedText[]) => {
      const connection = session.transport as LegacyConnection;
      if (named) connection.send(named, ...messages);
      else connection.send(...messages);
    };
    if (hits.length === 1) {
      const message = [new SharedText(messagePacket(hits[0]!.envelopeJson))];
      for (const session of hits[0]!.room.membersOf(owner)!) send(session, message);
      return;
    }
    // Several rooms: a session in more than one gets the named event once, then each room's message.
    const perSession = new Map<Session, SharedText[]>();
    for (const hit of hits) {
      const packet = new SharedText(messagePacket(hit.envelopeJson));
      for (const session of hit.room.membersOf(owner)!) {
        const queued = perSession.get(session);
        if (queued) queued.push(packet);
        else perSession.set(session, [packet]);
      }
    }
    for (const [session, messages] of perSession) send(session, messages);
  }
}

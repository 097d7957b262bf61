// Owns writing events to 0.9 sessions: the named event (`CHANNEL_CREATE`, …) once per session, then one
// `message` envelope per matching room, each packet encoded once per batch or room. Knows no transports.
import type { FanoutBatch, FanoutTarget } from '../../hub/fanout';
import type { Session } from '../../hub/session';
import type { LegacyConnection } from './legacy-connection';
import { mayEmitAsNamedEvent } from '../../protocol/socket-event-names';

/** `5:::{"name":"message","args":[<envelope>]}` from the envelope's JSON, without parsing it again. */
function messagePacket(envelopeJson: string): string {
  return namedPacket('message', envelopeJson);
}

/** `5:::{"name":<name>,"args":[<payload>]}`, as encodePacket(eventPacket(name, [payload])) writes it, from JSON text. */
function namedPacket(name: string, payloadJson: string): string {
  return `5:::{"name":${JSON.stringify(name)},"args":[${payloadJson}]}`;
}

/**
 * The 0.9 transport's fan-out writer; sessions name it as their `target`.
 * @example const fanout = new LegacyFanout(); hub.addTarget(fanout);
 */
export class LegacyFanout implements FanoutTarget {
  readonly name = 'socketio-legacy';

  deliver(batch: FanoutBatch): void {
    const perSession = new Map<Session, string[]>();
    for (const hit of batch.hits) {
      const members = hit.room.membersOf(this);
      if (!members || members.size === 0) continue;
      const packet = messagePacket(hit.envelopeJson);
      for (const session of members) {
        const queued = perSession.get(session);
        if (queued) queued.push(packet);
        else perSession.set(session, [packet]);
      }
    }
    if (perSession.size === 0) return;
    const name = batch.routed.socketEventName;
    const named = mayEmitAsNamedEvent(name) ? namedPacket(name, batch.socketPayloadJson) : undefined;
    for (const [session, messages] of perSession) {
      const connection = session.transport as LegacyConnection;
      if (named) connection.send(named, ...messages);
      else connection.send(...messages);
    }
  }
}

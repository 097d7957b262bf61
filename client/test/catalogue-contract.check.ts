// The contract between the server's binding catalogue (src/bindings/) and the client's types, checked
// by `npm run typecheck`: a name or fixture field on one side that the other lacks is a compile error.
import type { CALL_EVENTS as SERVER_CALL_EVENTS } from '../../src/bindings/families/call';
import type { CONFERENCE_EVENTS as SERVER_CONFERENCE_EVENTS } from '../../src/bindings/families/conference';
import type { DOC_ACTIONS as SERVER_DOC_ACTIONS, DOC_TYPES as SERVER_DOC_TYPES } from '../../src/bindings/families/object';
import type { PRESENCE_EVENTS as SERVER_PRESENCE_EVENTS } from '../../src/bindings/families/presence';
import type { QUBICLE_KINDS as SERVER_QUBICLE_KINDS } from '../../src/bindings/families/qubicle';
import type createFixture from '../../fixtures/kazoo-events/CHANNEL_CREATE.json';
import type answerFixture from '../../fixtures/kazoo-events/CHANNEL_ANSWER.json';
import type destroyFixture from '../../fixtures/kazoo-events/CHANNEL_DESTROY.json';
import type { CallEventData, CallEventName, ConferenceEventName, DocAction, DocType, PresenceEvent, QubicleKind } from '../src';

/** True when A and B are the same union. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/** Compiles only for `true`. */
type Expect<T extends true> = T;

/** A KAZOO header name as the server shows it: lower-cased, `-` → `_` (src/protocol/payload.ts). */
type NormalKey<K extends string> = K extends `${infer A}-${infer B}` ? `${Lowercase<A>}_${NormalKey<B>}` : Lowercase<K>;
/** A KAZOO payload as envelope clients receive it. */
type Normalized<T> = T extends readonly unknown[] ? T : T extends object ? { [K in keyof T as NormalKey<K & string>]: Normalized<T[K]> } : T;
/** T without one key (Omit would also drop every named key of a type with an index signature). */
type Without<T, K extends string> = { [P in keyof T as P extends K ? never : P]: T[P] };
/** A fixture's payload, normalized, must be a valid client event (every required field there, same types). */
type FitsCallEvent<F extends { args: object }> = Normalized<F['args']> extends Without<CallEventData, 'event_name'> ? true : false;

export type CatalogueContract = [
  Expect<Same<CallEventName, (typeof SERVER_CALL_EVENTS)[number]>>,
  Expect<Same<ConferenceEventName, (typeof SERVER_CONFERENCE_EVENTS)[number]>>,
  Expect<Same<DocAction, (typeof SERVER_DOC_ACTIONS)[number]>>,
  Expect<Same<DocType, (typeof SERVER_DOC_TYPES)[number]>>,
  Expect<Same<PresenceEvent, (typeof SERVER_PRESENCE_EVENTS)[number]>>,
  Expect<Same<QubicleKind, (typeof SERVER_QUBICLE_KINDS)[number]>>,
  Expect<FitsCallEvent<typeof createFixture>>,
  Expect<FitsCallEvent<typeof answerFixture>>,
  Expect<FitsCallEvent<typeof destroyFixture>>,
];

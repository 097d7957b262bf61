// Owns the client's copy of the server's binding catalogue: families, event names, document actions and
// types. Kept equal to src/bindings/ by a type check (client/test/catalogue-contract.check.ts).

/** First words of every binding the server offers, in its catalogue's order. */
export const BINDING_FAMILIES = ['call', 'conference', 'object', 'fax', 'presence', 'registration', 'qubicle', 'notification', 'app_event'] as const;

/** The call events of `call.{EVENT}.{CALL_ID}`. */
export const CALL_EVENTS = [
  'CHANNEL_CREATE', 'CHANNEL_ANSWER', 'CHANNEL_DESTROY', 'CHANNEL_HOLD', 'CHANNEL_UNHOLD', 'CHANNEL_BRIDGE',
  'PARK_PARKED', 'PARK_RETRIEVED', 'PARK_ABANDONED',
] as const;

/** The conference events of `conference.event.{CONF}.*.{EVENT}` (the payload's `event`). */
export const CONFERENCE_EVENTS = [
  'conference-create', 'conference-destroy', 'lock', 'unlock', 'add-member', 'del-member', 'stop-talking',
  'start-talking', 'mute-member', 'unmute-member', 'deaf-member', 'undeaf-member',
] as const;

/** Document actions of `object.{ACTION}.{TYPE}`. */
export const DOC_ACTIONS = ['doc_created', 'doc_edited', 'doc_deleted'] as const;

/** Document types of `object.{ACTION}.{TYPE}`. */
export const DOC_TYPES = ['account', 'callflow', 'device', 'faxbox', 'media', 'user', 'vmbox', 'fax', 'mailbox_message', 'call_recording'] as const;

/** Presence event kinds of `presence.{KIND}.{ID}`. */
export const PRESENCE_EVENTS = ['dialog', 'mwi_updates', 'update'] as const;

/** Qubicle kinds of `qubicle.{KIND}`. */
export const QUBICLE_KINDS = ['recipient', 'session', 'queue'] as const;

export type BindingFamily = (typeof BINDING_FAMILIES)[number];
export type CallEventName = (typeof CALL_EVENTS)[number];
export type ConferenceEventName = (typeof CONFERENCE_EVENTS)[number];
export type DocAction = (typeof DOC_ACTIONS)[number];
export type DocType = (typeof DOC_TYPES)[number];
export type PresenceEvent = (typeof PRESENCE_EVENTS)[number];
export type QubicleKind = (typeof QUBICLE_KINDS)[number];

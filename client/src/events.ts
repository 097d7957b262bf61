// Owns the TypeScript shapes of the events the server sends: the envelope, each family's payload as
// envelope clients see it (KAZOO's keys lower_snake_cased, nulls dropped), and binding → event typing.
import type { CallEventName, ConferenceEventName, DocAction, DocType } from './catalogue';

/** Fields every KAZOO message carries. */
export interface KazooHeaders {
  app_name?: string;
  app_version?: string;
  event_category?: string;
  event_name?: string;
  msg_id?: string;
  [key: string]: unknown;
}

/** Channel variables KAZOO sets on a call (`custom_channel_vars`). */
export interface CustomChannelVars {
  account_id?: string;
  account_name?: string;
  account_realm?: string;
  authorizing_id?: string;
  authorizing_type?: string;
  owner_id?: string;
  realm?: string;
  username?: string;
  [key: string]: unknown;
}

/** A call event's `data` (`call.{EVENT}.{CALL_ID}`). */
export interface CallEventData extends KazooHeaders {
  event_name: CallEventName;
  event_category: string;
  call_id: string;
  call_direction: string;
  caller_id_name: string;
  caller_id_number: string;
  custom_channel_vars: CustomChannelVars;
  timestamp: number;
  from?: string;
  to?: string;
  request?: string;
  presence_id?: string;
  callee_id_name?: string;
  callee_id_number?: string;
  other_leg_call_id?: string;
  disposition?: string;
  /** CHANNEL_DESTROY only. */
  hangup_cause?: string;
  /** CHANNEL_DESTROY only; KAZOO sends the durations as decimal strings (`"32"`). */
  duration_seconds?: string;
  /** CHANNEL_DESTROY only. */
  billing_seconds?: string;
  /** CHANNEL_DESTROY only. */
  ringing_seconds?: string;
}

/** A conference event's `data` (`conference.event.…`). */
export interface ConferenceEventData extends KazooHeaders {
  /** Which conference event this is (`add-member`, …). */
  event: ConferenceEventName | (string & {});
  account_id: string;
  conference_id: string;
  call_id?: string;
  participant_id?: number;
}

/** A document change's `data` (`object.{ACTION}.{TYPE}`, `{ACTION}.*.{TYPE}.*`). */
export interface DocumentEventData extends KazooHeaders {
  event_name: DocAction;
  id: string;
  type: DocType | (string & {});
  database: string;
  account_id?: string;
  rev?: string;
}

/** A fax job status (`fax.status.{FAX_ID}`). */
export interface FaxStatusData extends KazooHeaders {
  account_id: string;
  job_id: string;
  fax_id?: string;
  direction?: string;
  status?: string;
  fax_info?: { fax_page?: number; fax_total_pages?: number; fax_transferred_pages?: number; [key: string]: unknown };
}

/** A presence event (`presence.dialog.*`, `presence.update.*`, `presence.mwi_updates.*`). */
export interface PresenceEventData extends KazooHeaders {
  presence_id?: string;
  call_id?: string;
  state?: string;
  direction?: string;
  from?: string;
  to?: string;
  messages_new?: number;
  messages_saved?: number;
}

/** A successful SIP registration (`registration.success`). */
export interface RegistrationEventData extends KazooHeaders {
  realm: string;
  username: string;
  contact?: string;
  expires?: number;
  user_agent?: string;
  network_ip?: string;
  network_port?: string;
  call_id?: string;
}

/** A qubicle event (`qubicle.recipient`, `qubicle.session`, `qubicle.queue`). */
export interface QubicleEventData extends KazooHeaders {
  account_id?: string;
  session_id?: string;
  queue_id?: string;
  recipient_id?: string;
}

/** A notification (`notification.{CATEGORY}.{NAME}`). */
export interface NotificationEventData extends KazooHeaders {
  account_id?: string;
}

/** An application event (`app_event.{APP}.{EVENT}`): the publisher's payload is under `data`. */
export interface AppEventData extends KazooHeaders {
  account_id: string;
  app_name: string;
  event_name: string;
  data: Record<string, unknown>;
}

/** Every event the server sends, as one envelope. */
export interface EventEnvelope<D = Record<string, unknown>> {
  action: 'event';
  /** The binding as subscribed, byte for byte. */
  subscribed_key: string;
  /** The account-scoped key of the subscription. */
  subscription_key: string;
  /** The payload's `Event-Name`, when it has one. */
  name?: string;
  /** The account-scoped key of this event (`broadcast` for an operator broadcast). */
  routing_key: string;
  data: D;
}

/** The payload type a binding's events carry, read from the binding's first word. */
export type EventDataFor<B extends string> =
  B extends `call.${infer E}.${string}` ? (E extends CallEventName ? CallEventData & { event_name: E } : CallEventData)
  : B extends `conference.${string}` ? ConferenceEventData
  : B extends `object.${string}` | `doc_${string}` ? DocumentEventData
  : B extends `fax.status.${string}` ? FaxStatusData
  : B extends `fax.${string}` ? DocumentEventData
  : B extends `presence.${string}` ? PresenceEventData
  : B extends `registration.${string}` ? RegistrationEventData
  : B extends `qubicle.${string}` ? QubicleEventData
  : B extends `notification.${string}` ? NotificationEventData
  : B extends `app_event.${string}` ? AppEventData
  : Record<string, unknown>;

/** The envelope a binding's handler receives. */
export type EventFor<B extends string> = EventEnvelope<EventDataFor<B>>;

/** A handler for one binding's events. */
export type EventHandler<B extends string = string> = (event: EventFor<B>) => void;

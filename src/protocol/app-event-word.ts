// Owns the spelling of one word of an app event's name (`app` and `event`), shared by the
// publish_app_event command and the app-event binding family.

/** App and event names: one routing-key word, nothing to encode. */
export const APP_EVENT_WORD = /^[A-Za-z0-9_-]{1,64}$/;

// Owns the `data` of the publish_app_event and api actions: joi schemas, KAZOO-style missing-key texts,
// typed requests out. Nothing here knows about AMQP, HTTP or sockets.
import Joi from 'joi';
import { APP_EVENT_WORD } from './app-event-word';
import { ErrorText } from './error-texts';
import { isPlainObject } from './plain-object';
import { bounded, CLIENT_BOUNDS } from './json-bounds';

/** What a client asks to publish: `data: {account_id, app, event, payload}`. */
export interface AppEventRequest {
  accountId: string;
  app: string;
  event: string;
  payload: Record<string, unknown>;
}

export const API_VERBS = ['GET', 'PUT', 'POST', 'PATCH', 'DELETE'] as const;
export type ApiVerb = (typeof API_VERBS)[number];

/** A Crossbar request channelled over the socket: `data: {verb, path, body}`. */
export interface ApiRequest {
  verb: ApiVerb;
  /** Path on the Crossbar server, e.g. `/v2/accounts/{id}/users` (query string allowed). */
  path: string;
  body?: unknown;
}

export type DataResult<T> = { ok: true; value: T } | { ok: false; error: string };

const WORD_MESSAGE = 'must be 1 to 64 letters, digits, "_" or "-"';
const appEventSchema = Joi.object({
  account_id: Joi.string().pattern(/^[0-9a-f]{32}$/).messages({
    'string.pattern.base': '"account_id" must be one account: 32 lowercase hex characters (an app event cannot go to every account)',
  }),
  app: Joi.string().pattern(APP_EVENT_WORD).messages({ 'string.pattern.base': `"app" ${WORD_MESSAGE}` }),
  event: Joi.string().pattern(APP_EVENT_WORD).messages({ 'string.pattern.base': `"event" ${WORD_MESSAGE}` }),
  payload: Joi.object()
    .unknown(true)
    .custom(bounded(CLIENT_BOUNDS.payload, '"data.payload"'))
    .messages({ 'object.base': '"payload" must be a JSON object' }),
}).unknown(true);

const apiSchema = Joi.object({
  verb: Joi.string().uppercase().valid(...API_VERBS).messages({ 'any.only': `"verb" must be one of ${API_VERBS.join(', ')}` }),
  // One leading slash and no scheme: the request can only go to the configured Crossbar.
  path: Joi.string().max(2048).pattern(/^\/(?![/\\])[^\s#]*$/).messages({
    'string.pattern.base': '"path" must be a path on the Crossbar server starting with one "/", e.g. /v2/accounts/{ACCOUNT_ID}',
  }),
  body: Joi.any().custom(bounded(CLIENT_BOUNDS.body, '"data.body"')),
}).unknown(true);

function checkKeys(data: unknown, required: readonly string[]): DataResult<Record<string, unknown>> {
  if (!isPlainObject(data) || Object.keys(data).length === 0) return { ok: false, error: ErrorText.missingData };
  const missing = required.filter((k) => data[k] === undefined);
  if (missing.length > 0) return { ok: false, error: ErrorText.missingKeys(missing) };
  return { ok: true, value: data };
}

/**
 * Reads `data` of publish_app_event.
 * @example parseAppEventData({account_id: A, app: "crm", event: "ticket_updated", payload: {id: 7}})
 */
export function parseAppEventData(data: unknown): DataResult<AppEventRequest> {
  const present = checkKeys(data, ['account_id', 'app', 'event']);
  if (!present.ok) return present;
  const { value, error } = appEventSchema.validate(present.value, { convert: false });
  if (error) return { ok: false, error: ErrorText.invalidField(error.message) };
  return { ok: true, value: { accountId: value.account_id, app: value.app, event: value.event, payload: value.payload ?? {} } };
}

/**
 * Reads `data` of api.
 * @example parseApiData({verb: "get", path: "/v2/accounts/" + A}) // {ok: true, value: {verb: "GET", …}}
 */
export function parseApiData(data: unknown): DataResult<ApiRequest> {
  const present = checkKeys(data, ['verb', 'path']);
  if (!present.ok) return present;
  const { value, error } = apiSchema.validate(present.value);
  if (error) return { ok: false, error: ErrorText.invalidField(error.message) };
  const request: ApiRequest = { verb: value.verb as ApiVerb, path: value.path };
  if (value.body !== undefined) request.body = value.body;
  return { ok: true, value: request };
}

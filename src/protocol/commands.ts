// Owns inbound command parsing: raw text or a decoded value in, a typed command or an error reply out.
// Joi validates every field before any logic runs; nothing here knows about sockets or AMQP.
import Joi from 'joi';
import { ErrorText } from './error-texts';
import { Reply, errorReply } from './replies';
import { requestIdFor } from './request-id';
import { isPlainObject } from './plain-object';
import { bounded, CLIENT_BOUNDS } from './json-bounds';
import { ApiRequest, AppEventRequest, parseApiData, parseAppEventData } from './action-commands';

export const ACTIONS = ['subscribe', 'unsubscribe', 'ping', 'publish_app_event', 'api', 'resume', 'noop'] as const;
export type Action = (typeof ACTIONS)[number];

/** A subscribe or unsubscribe target. */
export interface BindingRequest {
  accountId: string;
  bindings: string[];
  name?: string;
  metadata?: Record<string, unknown>;
}

export type Command =
  | { action: 'noop'; requestId: string }
  | { action: 'ping'; requestId: string; authToken: string | undefined }
  | { action: 'subscribe'; requestId: string; authToken: string | undefined; target: BindingRequest }
  | { action: 'unsubscribe'; requestId: string; authToken: string | undefined; target: BindingRequest | 'all' }
  | { action: 'publish_app_event'; requestId: string; authToken: string | undefined; event: AppEventRequest }
  | { action: 'api'; requestId: string; authToken: string | undefined; request: ApiRequest }
  | { action: 'resume'; requestId: string; authToken: string | undefined; resumeToken: string };

export type ParseResult = { ok: true; command: Command } | { ok: false; reply: Reply };

const ACCOUNT_ID = /^(?:[0-9a-f]{32}|\*)$/;
/** Longer than any KAZOO auth token or JWT; a longer one would only be refused further on (an HTTP header to Crossbar). */
const MAX_TOKEN_CHARS = 8192;

const envelopeSchema = Joi.object({
  action: Joi.string().allow('').messages({ 'string.base': '"action" must be a string' }),
  auth_token: Joi.string()
    .allow('')
    .max(MAX_TOKEN_CHARS)
    .messages({ 'string.base': '"auth_token" must be a string', 'string.max': `"auth_token" is longer than any token: at most ${MAX_TOKEN_CHARS} characters` }),
  request_id: Joi.any(),
  data: Joi.any(),
})
  .unknown(true)
  .custom(bounded(CLIENT_BOUNDS.envelope, 'the message'));

const bindingString = Joi.string().min(1).max(512);
const dataSchema = Joi.object({
  account_id: Joi.string().pattern(ACCOUNT_ID).messages({
    'string.pattern.base': '"account_id" must be 32 lowercase hex characters, or * for every account',
    'string.base': '"account_id" must be a string',
  }),
  binding: bindingString,
  bindings: Joi.array().items(bindingString).min(1).max(1000).messages({ 'array.min': '"bindings" must not be empty' }),
  name: Joi.string().max(256).allow(''),
  metadata: Joi.object().unknown(true).custom(bounded(CLIENT_BOUNDS.metadata, '"data.metadata"')),
}).unknown(true);

/** Parses a text frame: JSON first, then {@link parseEnvelope}. */
export function parseText(text: string): ParseResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, reply: errorReply(requestIdFor(undefined), ErrorText.invalidJson((err as Error).message)) };
  }
  return parseEnvelope(value);
}

/**
 * Parses a decoded envelope `{action, auth_token, request_id, data}`.
 * @example parseEnvelope({action: "ping", auth_token: "t"}) // { ok: true, command: { action: "ping", ... } }
 */
export function parseEnvelope(value: unknown): ParseResult {
  if (!isPlainObject(value)) return { ok: false, reply: errorReply(requestIdFor(undefined), ErrorText.notAnObject) };
  const requestId = requestIdFor(value['request_id']);
  const checked = envelopeSchema.validate(value);
  if (checked.error) return { ok: false, reply: errorReply(requestId, ErrorText.invalidField(checked.error.message)) };
  const action = (value['action'] as string | undefined) || 'noop';
  const authToken = (value['auth_token'] as string | undefined) || undefined;
  switch (action) {
    case 'noop':
      return { ok: true, command: { action, requestId } };
    case 'ping':
      return { ok: true, command: { action, requestId, authToken } };
    case 'subscribe':
    case 'unsubscribe':
      return parseBindingCommand(action, requestId, authToken, value['data']);
    case 'publish_app_event': {
      const event = parseAppEventData(value['data']);
      return event.ok ? { ok: true, command: { action, requestId, authToken, event: event.value } } : { ok: false, reply: errorReply(requestId, event.error) };
    }
    case 'api': {
      const request = parseApiData(value['data']);
      return request.ok ? { ok: true, command: { action, requestId, authToken, request: request.value } } : { ok: false, reply: errorReply(requestId, request.error) };
    }
    case 'resume': {
      // Event Horizon's own action (raw WebSocket missed-event recovery): `data.resume_token` from a subscribe reply.
      const data = value['data'];
      const resumeToken = isPlainObject(data) ? data['resume_token'] : undefined;
      if (typeof resumeToken !== 'string' || resumeToken === '') return { ok: false, reply: errorReply(requestId, ErrorText.missingKeys(['resume_token'])) };
      return { ok: true, command: { action, requestId, authToken, resumeToken } };
    }
    default:
      return { ok: false, reply: errorReply(requestId, ErrorText.unknownAction(action, ACTIONS)) };
  }
}

/** Reads `data` of subscribe/unsubscribe with KAZOO's texts for missing keys. */
function parseBindingCommand(
  action: 'subscribe' | 'unsubscribe',
  requestId: string,
  authToken: string | undefined,
  data: unknown,
): ParseResult {
  const fail = (text: string): ParseResult => ({ ok: false, reply: errorReply(requestId, text) });
  const empty = !isPlainObject(data) || Object.keys(data).length === 0;
  if (action === 'unsubscribe' && (empty || (data as Record<string, unknown>)['account_id'] === undefined)) {
    return { ok: true, command: { action, requestId, authToken, target: 'all' } };
  }
  if (empty) return fail(ErrorText.missingData);
  const d = data as Record<string, unknown>;
  const missing: string[] = [];
  if (d['account_id'] === undefined) missing.push('account_id');
  if (d['binding'] === undefined && d['bindings'] === undefined) missing.push('binding');
  if (missing.length > 0) return fail(ErrorText.missingKeys(missing));
  const checked = dataSchema.validate(d);
  if (checked.error) return fail(ErrorText.invalidField(checked.error.message));
  // `binding` wins over `bindings` when both are present (KAZOO's documented rule).
  const bindings = typeof d['binding'] === 'string' ? [d['binding']] : [...new Set(d['bindings'] as string[])];
  const target: BindingRequest = { accountId: d['account_id'] as string, bindings };
  if (typeof d['name'] === 'string') target.name = d['name'];
  if (isPlainObject(d['metadata'])) target.metadata = d['metadata'];
  return { ok: true, command: { action, requestId, authToken, target } };
}

/**
 * Turns a legacy Socket.IO `emit("subscribe"|"unsubscribe", {account_id, auth_token, binding})`
 * into the same envelope a raw WebSocket client sends.
 */
export function legacyEmitToEnvelope(action: 'subscribe' | 'unsubscribe', payload: unknown): unknown {
  if (!isPlainObject(payload)) return { action, data: payload };
  const { auth_token, request_id, ...data } = payload;
  return { action, auth_token, request_id, data };
}

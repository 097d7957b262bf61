// Owns KAZOO Crossbar's JSON response envelope (`data`, `status`, `request_id`, `revision`, `auth_token`,
// …) and its error shapes, so Crossbar-compatible endpoints answer exactly as Crossbar would.
import { createHash, randomBytes } from 'node:crypto';
import os from 'node:os';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from './json-io';

/** Per-request values every envelope repeats. */
export interface EnvelopeContext {
  requestId: string;
  authToken: string;
  version: string;
}

/** Crossbar's error answers: HTTP code, `message` code word, and the human `data.message`. */
export const CROSSBAR_ERRORS = {
  401: { message: 'invalid_credentials', text: 'invalid credentials' },
  403: { message: 'forbidden', text: 'forbidden' },
  404: { message: 'bad_identifier', text: 'bad identifier' },
  405: { message: 'method_not_allowed', text: 'method not allowed' },
  429: { message: 'too_many_requests', text: 'too many requests' },
  500: { message: 'internal_server_error', text: 'internal server error: the connections could not be listed' },
  503: { message: 'service_unavailable', text: 'authentication service unavailable' },
} as const;
export type CrossbarErrorCode = keyof typeof CROSSBAR_ERRORS;

const NODE = `event-horizon@${os.hostname()}`;

/** Crossbar's request id: the client's `X-Request-ID`, else a fresh 32-hex one. */
export function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && /^[\w.-]{1,128}$/.test(given) ? given : randomBytes(16).toString('hex');
}

function timestamp(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * A success envelope; `revision` is a digest of `data`, as Crossbar's listing revisions are.
 * @example crossbarSuccess(ctx, ["socket-1"]) // {auth_token, data, node, request_id, revision, status: "success", timestamp, version}
 */
export function crossbarSuccess(ctx: EnvelopeContext, data: unknown): Record<string, unknown> {
  const revision = createHash('md5').update(JSON.stringify(data)).digest('hex');
  return { auth_token: ctx.authToken, data, node: NODE, request_id: ctx.requestId, revision, status: 'success', timestamp: timestamp(), version: ctx.version };
}

/**
 * An error envelope: `{"data":{"message":…}, "error":"404", "message":"bad_identifier", "status":"error", …}`.
 * @example crossbarError(ctx, 401)
 */
export function crossbarError(ctx: EnvelopeContext, code: CrossbarErrorCode, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const e = CROSSBAR_ERRORS[code];
  return {
    auth_token: ctx.authToken,
    data: { message: e.text, ...extra },
    error: String(code),
    message: e.message,
    node: NODE,
    request_id: ctx.requestId,
    status: 'error',
    timestamp: timestamp(),
    version: ctx.version,
  };
}

/** Headers browsers need to call Crossbar-style endpoints from another origin (tokens travel in headers, not cookies). */
export const CORS_HEADERS: Record<string, string> = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'GET, HEAD, OPTIONS',
  'Access-Control-Allow-Headers': 'Content-Type, X-Auth-Token, X-Request-ID, Authorization',
  'Access-Control-Expose-Headers': 'X-Request-ID',
};

/**
 * Writes an envelope with its status code, request id header and CORS headers.
 * @example sendEnvelope(res, 404, crossbarError(ctx, 404));
 */
export function sendEnvelope(res: ServerResponse, status: number, body: Record<string, unknown>, head = false): void {
  sendJson(res, status, body, head, { 'X-Request-ID': String(body['request_id']), ...CORS_HEADERS });
}

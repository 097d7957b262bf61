// Owns the api action: one Crossbar request made with the client's own token, answered as a reply.
// Knows Crossbar's base URL and HTTP; nothing of sockets. Requests never leave the configured origin.
import type { ApiRequest } from '../../protocol/action-commands';
import type { Reply } from '../../protocol/replies';
import { errorReply, successReply } from '../../protocol/replies';
import { ErrorText } from '../../protocol/error-texts';

export interface CrossbarApiOptions {
  /** Crossbar's base URL (`EH_CROSSBAR_URL`), e.g. `http://crossbar:8000`; unset disables the action. */
  baseUrl: string | undefined;
  timeoutMs?: number;
  maxResponseBytes?: number;
}

export const API_DISABLED = 'api is disabled: no Crossbar URL is configured (set EH_CROSSBAR_URL)';

/** Percent-encoded `/` and `\`: a server or proxy that decodes them would see other segments than we check. */
const ENCODED_SEPARATOR = /%(?:2f|5c)/i;

/**
 * The URL a path resolves to under the base URL, or undefined when it would leave the base: another
 * origin, or a path that once normalised (`.` and `..` segments resolved, percent-encoded dots included,
 * as every HTTP server resolves them) is not under the base's path; encoded separators are refused.
 * A base that already names the version (`http://kazoo:8000/v2`, as Monster UI is configured) takes
 * both `/v2/accounts/…` and `/accounts/…`.
 * @example crossbarUrl("http://kazoo:8000/v2", "/v2/accounts/x")!.href // "http://kazoo:8000/v2/accounts/x"
 * @example crossbarUrl("http://kazoo:8000/v2", "/v2/../../x") // undefined
 */
export function crossbarUrl(baseUrl: string, path: string): URL | undefined {
  const base = new URL(baseUrl);
  const basePath = base.pathname.replace(/\/+$/, '');
  const rawPath = path.split('?')[0]!;
  if (ENCODED_SEPARATOR.test(rawPath)) return undefined;
  const joined = basePath !== '' && (path === basePath || path.startsWith(basePath + '/') || path.startsWith(basePath + '?')) ? path : basePath + path;
  let url: URL;
  try {
    url = new URL(base.origin + joined); // WHATWG parsing resolves "..", "." and their %2e spellings
  } catch {
    return undefined;
  }
  if (url.origin !== base.origin) return undefined;
  // Resolved, the path must still be the base or under it: "/v2/../x" became "/x" and is refused.
  const under = basePath === '' || url.pathname === basePath || url.pathname.startsWith(basePath + '/');
  return under ? url : undefined;
}

function messageOf(response: unknown, status: number): string {
  if (response && typeof response === 'object') {
    const r = response as Record<string, unknown>;
    const data = r['data'] as Record<string, unknown> | undefined;
    const text = (data && typeof data === 'object' ? data['message'] : undefined) ?? r['message'];
    if (typeof text === 'string' && text !== '') return text;
  }
  return `HTTP ${status}`;
}

/**
 * Performs the request and turns Crossbar's answer into a reply carrying `status_code` and `response`.
 * @example await crossbarApi({baseUrl: "http://crossbar:8000"}, token, "r1", {verb: "GET", path: "/v2/accounts/" + id})
 */
export async function crossbarApi(opts: CrossbarApiOptions, token: string, requestId: string, request: ApiRequest): Promise<Reply> {
  if (!opts.baseUrl) return errorReply(requestId, API_DISABLED);
  const url = crossbarUrl(opts.baseUrl, request.path);
  if (!url) return errorReply(requestId, ErrorText.apiPathOutside(request.path, opts.baseUrl));
  const sendsBody = request.body !== undefined && request.verb !== 'GET';
  const headers: Record<string, string> = { 'X-Auth-Token': token, Accept: 'application/json' };
  if (sendsBody) headers['Content-Type'] = 'application/json';
  let status: number;
  let text: string;
  try {
    const res = await fetch(url, {
      method: request.verb,
      headers,
      body: sendsBody ? JSON.stringify(request.body) : null,
      redirect: 'manual',
      signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
    });
    status = res.status;
    text = await res.text();
  } catch (err) {
    const reason = (err as Error).name === 'TimeoutError' ? 'no answer in time' : (err as Error).message;
    return errorReply(requestId, `crossbar unreachable at ${url.origin}: ${reason}`);
  }
  const max = opts.maxResponseBytes ?? 4 * 1024 * 1024;
  if (Buffer.byteLength(text) > max) return errorReply(requestId, `crossbar answer too large: over ${max} bytes`);
  let response: unknown = text;
  try {
    response = text === '' ? null : JSON.parse(text);
  } catch {
    /* not JSON: relayed as text */
  }
  if (status >= 200 && status < 300) return successReply(requestId, { status_code: status, response });
  return {
    action: 'reply',
    request_id: requestId,
    status: 'error',
    data: { errors: [`crossbar answered ${status}: ${messageOf(response, status)}`], status_code: status, response },
  };
}

// Owns how a KAZOO AMQP payload is shown to envelope clients: private headers removed,
// keys lower_snake_cased recursively, nulls dropped (kz_api:public_fields + kz_json:normalize_jobj).

/** Top-level AMQP headers KAZOO keeps private. */
const PRIVATE_HEADERS = new Set([
  'Access-Group', 'Defer-Response', 'Destination-Server', 'Geo-Location', 'System-Log-ID', 'Node',
  'Server-Queue-ID', 'Raw-Headers', 'Server-ID', 'Request-From-PID', 'Reply-To-PID', 'AMQP-Broker',
  'AMQP-Broker-Zone', 'Deliver-To-PID',
]);

/** Lower-cases ASCII A–Z and Latin-1 À–Þ (except ×) and turns `-` into `_`, as KAZOO does. */
export function normalizeKey(key: string): string {
  let out = '';
  for (const ch of key) {
    const code = ch.charCodeAt(0);
    if ((code >= 0x41 && code <= 0x5a) || (code >= 0xc0 && code <= 0xde && code !== 0xd7)) out += String.fromCharCode(code + 32);
    else if (ch === '-') out += '_';
    else out += ch;
  }
  return out;
}

function normalizeValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalizeValue);
  if (value !== null && typeof value === 'object') return normalizeObject(value as Record<string, unknown>);
  return value;
}

/** KAZOO's header names repeat in every event: each is normalized once (bounded, so odd keys cannot grow it). */
const normalizedKeys = new Map<string, string>();
const NORMALIZED_KEYS_LIMIT = 4096;

function normalizedKey(key: string): string {
  let normalized = normalizedKeys.get(key);
  if (normalized === undefined) {
    normalized = normalizeKey(key);
    if (normalizedKeys.size < NORMALIZED_KEYS_LIMIT) normalizedKeys.set(key, normalized);
  }
  return normalized;
}

function normalizeObject(obj: Record<string, unknown>, skip?: Set<string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(obj)) {
    const value = obj[key];
    if (value === null || value === undefined || skip?.has(key)) continue;
    out[normalizedKey(key)] = normalizeValue(value);
  }
  return out;
}

/**
 * The payload as envelope clients see it in `data`.
 * @example publicPayload({"Call-ID":"a","Node":"x","Custom-Channel-Vars":{"Account-ID":"b"}})
 * // {"call_id":"a","custom_channel_vars":{"account_id":"b"}}
 */
export function publicPayload(payload: Record<string, unknown>): Record<string, unknown> {
  return normalizeObject(payload, PRIVATE_HEADERS);
}

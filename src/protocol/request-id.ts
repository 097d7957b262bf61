// Owns request ids: a client's string is echoed, anything else gets a fresh 32-char hex id (as KAZOO does).
import { randomBytes } from 'node:crypto';

/** A fresh request id: 32 lowercase hex characters. */
export function freshRequestId(): string {
  return randomBytes(16).toString('hex');
}

/** The request id a reply carries for this inbound value. */
export function requestIdFor(value: unknown): string {
  return typeof value === 'string' && value !== '' ? value : freshRequestId();
}

/** How far into a message {@link scanRequestId} looks: enough for any envelope's head, bounded for huge ones. */
export const REQUEST_ID_SCAN_CHARS = 65536;

/** Index of the quote closing the JSON string opening at `start`, or -1 before `end`. */
function stringEnd(text: string, start: number, end: number): number {
  for (let i = start + 1; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5c) i++;
    else if (c === 0x22) return i;
  }
  return -1;
}

function skipSpace(text: string, i: number, end: number): number {
  while (i < end && /\s/.test(text[i]!)) i++;
  return i;
}

/**
 * The string `request_id` of an envelope found by a bounded scan of its JSON text (the first
 * {@link REQUEST_ID_SCAN_CHARS} characters, no parse of the rest), for replies to messages too large or too
 * many to parse. `depth` is the nesting level of the envelope's own keys (1 for a bare envelope).
 * @example scanRequestId('{"action":"ping","request_id":"r1","data":{…huge…') // "r1"
 */
export function scanRequestId(text: string, depth = 1): string | undefined {
  const end = Math.min(text.length, REQUEST_ID_SCAN_CHARS);
  let level = 0;
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x7b || c === 0x5b) level++;
    else if (c === 0x7d || c === 0x5d) level--;
    else if (c === 0x22) {
      const close = stringEnd(text, i, end);
      if (close < 0) return undefined;
      if (level === depth && close - i === 11 && text.startsWith('request_id', i + 1)) {
        const colon = skipSpace(text, close + 1, end);
        const value = skipSpace(text, colon + 1, end);
        if (text[colon] === ':' && text[value] === '"') {
          const valueEnd = stringEnd(text, value, end);
          if (valueEnd < 0) return undefined;
          try {
            const id: unknown = JSON.parse(text.slice(value, valueEnd + 1));
            return typeof id === 'string' && id !== '' ? id : undefined;
          } catch {
            return undefined;
          }
        }
        if (text[colon] === ':') return undefined; // a request_id that is not a string: a fresh one, as for parsed envelopes
      }
      i = close;
    }
  }
  return undefined;
}

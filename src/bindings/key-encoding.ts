// Owns KAZOO's encoding of routing-key parts (kz_amqp_util:encode/1), its inverse, and the canonical form.
// Knows nothing about bindings or families: it maps one key segment to another.

const UNRESERVED = /[A-Za-z0-9\-~_]/;

/** Each byte's encoded form, computed once from the rule below (routing keys are encoded per event). */
const ENCODED_BYTE: readonly string[] = Array.from({ length: 256 }, (_, byte) => {
  const ch = String.fromCharCode(byte);
  if (byte < 0x80 && UNRESERVED.test(ch)) return ch;
  if (byte === 0x20) return '+';
  return '%' + byte.toString(16).toUpperCase().padStart(2, '0');
});

/**
 * Encodes one routing-key part the way KAZOO does before it publishes: `.` becomes `%2E`,
 * space becomes `+`, every byte outside `A-Z a-z 0-9 - ~ _` becomes `%XX`; `*`, `#` and `""` stay.
 * @example encodeKeyPart("abc@host.example") // "abc%40host%2Eexample"
 */
export function encodeKeyPart(part: string): string {
  if (part === '' || part === '*' || part === '#') return part;
  let out = '';
  for (const byte of Buffer.from(part, 'utf8')) out += ENCODED_BYTE[byte];
  return out;
}

/**
 * Decodes a part encoded by {@link encodeKeyPart}; malformed escapes are kept as they are.
 * @example decodeKeyPart("abc%40host%2Eexample") // "abc@host.example"
 */
export function decodeKeyPart(part: string): string {
  if (!part.includes('%') && !part.includes('+')) return part;
  const bytes: number[] = [];
  for (let i = 0; i < part.length; i++) {
    const ch = part[i]!;
    if (ch === '+') bytes.push(0x20);
    else if (ch === '%' && /^[0-9A-Fa-f]{2}$/.test(part.slice(i + 1, i + 3))) {
      bytes.push(parseInt(part.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(...Buffer.from(ch, 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}

/**
 * One key part in KAZOO's encoded form, whether the client gave it raw or already encoded: a binding
 * may carry `abc@host` or `abc%40host`, and both must name the routing key KAZOO publishes.
 * @example canonicalKeyPart("abc@host.example") // "abc%40host%2Eexample"
 * @example canonicalKeyPart("abc%40host%2Eexample") // "abc%40host%2Eexample"
 */
export function canonicalKeyPart(part: string): string {
  return encodeKeyPart(decodeKeyPart(part));
}

// Owns the depth and size bounds of client-supplied JSON structures (subscribe metadata, app-event
// payloads, api bodies, the envelope itself): an iterative measure that never recurses, and the joi rule
// that applies it where data enters. Knows no command, socket or transport.
import type { CustomHelpers, ErrorReport } from 'joi';

/** How deep and how large one client structure may be. */
export interface JsonBound {
  /** Levels of nested objects/arrays: `{}` and `[]` are 1 deep, `{"a":[]}` 2. */
  maxDepth: number;
  /** Bytes of its JSON text; omitted: bounded only by the message size. */
  maxBytes?: number;
}

/**
 * The bounds, one per structure. Metadata is kept with every subscription, shown by the websockets API
 * and sent to other nodes, so it is small; the rest travels once (to RabbitMQ or Crossbar).
 * @example CLIENT_BOUNDS.metadata // { maxDepth: 8, maxBytes: 4096 }
 */
export const CLIENT_BOUNDS = {
  /** The whole envelope (every field, known or not). */
  envelope: { maxDepth: 64 },
  metadata: { maxDepth: 8, maxBytes: 4096 },
  payload: { maxDepth: 32, maxBytes: 65536 },
  body: { maxDepth: 32, maxBytes: 65536 },
} as const satisfies Record<string, JsonBound>;

/** Why a value is out of bounds, with the path (from the measured root) where that was found. */
export type BoundBreach = { kind: 'depth'; path: string } | { kind: 'bytes'; bytes: number };

/** Bytes a leaf takes in JSON text (a Buffer from a Socket.IO binary event counts as its `toJSON`). */
function leafBytes(value: unknown): number {
  if (typeof value === 'string') return Buffer.byteLength(value) + 2;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value).length;
  return 4; // null, and what JSON drops or nulls
}

function pathOf(keys: readonly (string | number)[]): string {
  const shown = keys.slice(0, 3).map((k) => (typeof k === 'number' ? `[${k}]` : `.${k}`)).join('');
  return (shown.startsWith('.') ? shown.slice(1) : shown) + (keys.length > 3 ? '…' : '');
}

/**
 * Walks `value` without recursion and stops at the first breach: deeper than `maxDepth`, or (when
 * given) more than `maxBytes` of JSON text (an estimate: escapes inside strings are not counted).
 * @example measureJson({ a: [[[]]] }, { maxDepth: 2 }) // { kind: 'depth', path: 'a[0]' }
 */
export function measureJson(value: unknown, bound: JsonBound): BoundBreach | undefined {
  const maxBytes = bound.maxBytes ?? Infinity;
  let bytes = 0;
  // Each frame: a container's children still to visit, its depth, and the key path to it.
  const stack: Array<{ items: Array<[string | number, unknown]>; depth: number; keys: (string | number)[] }> = [];
  const enter = (node: unknown, depth: number, keys: (string | number)[]): BoundBreach | undefined => {
    if (node === null || typeof node !== 'object') {
      bytes += leafBytes(node);
      return undefined;
    }
    if (Buffer.isBuffer(node)) {
      bytes += node.length * 4 + 30;
      return undefined;
    }
    if (depth + 1 > bound.maxDepth) return { kind: 'depth', path: pathOf(keys) };
    const items: Array<[string | number, unknown]> = Array.isArray(node)
      ? node.map((v, i) => [i, v] as [number, unknown])
      : Object.entries(node as Record<string, unknown>);
    bytes += 1 + Math.max(1, items.length);
    if (!Array.isArray(node)) for (const [k] of items) bytes += Buffer.byteLength(String(k)) + 3;
    stack.push({ items: items.reverse(), depth: depth + 1, keys });
    return undefined;
  };
  let breach = enter(value, 0, []);
  while (!breach && stack.length > 0) {
    if (bytes > maxBytes) return { kind: 'bytes', bytes };
    const top = stack[stack.length - 1]!;
    const next = top.items.pop();
    if (!next) {
      stack.pop();
      continue;
    }
    breach = enter(next[1], top.depth, [...top.keys, next[0]]);
  }
  if (breach) return breach;
  return bytes > maxBytes ? { kind: 'bytes', bytes } : undefined;
}

/**
 * The text of a breach for an error reply, naming the structure and its bound.
 * @example breachText('"data.metadata"', { kind: 'depth', path: 'x[0][0]…' }, CLIENT_BOUNDS.metadata)
 */
export function breachText(label: string, breach: BoundBreach, bound: JsonBound): string {
  if (breach.kind === 'depth') {
    const where = breach.path === '' ? '' : ` (at ${breach.path})`;
    return `${label} nests deeper than ${bound.maxDepth} levels${where}`;
  }
  return `${label} is too large: about ${breach.bytes} bytes of JSON, at most ${bound.maxBytes}`;
}

/**
 * A joi `custom` rule applying a bound; the error names the field and the bound.
 * @example Joi.object().unknown(true).custom(bounded(CLIENT_BOUNDS.metadata, '"data.metadata"'))
 */
export function bounded(bound: JsonBound, name?: string) {
  return (value: unknown, helpers: CustomHelpers): unknown => {
    const breach = measureJson(value, bound);
    if (!breach) return value;
    const label = name ?? `"${helpers.state.path?.join('.') || 'value'}"`;
    return helpers.message({ custom: breachText(label, breach, bound) }) as ErrorReport;
  };
}

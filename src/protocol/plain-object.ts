// Owns the shape check every command parser starts from: is a decoded JSON value an object (not null,
// not an array)? Knows no command, field or error text.

/**
 * True when `value` is a JSON object whose keys can be read.
 * @example isPlainObject({ a: 1 }) // true
 * @example isPlainObject([1]) // false
 */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

// Owns the pino logger: JSON lines, pretty in a terminal, tokens never written in full (fields by
// name, and tokens quoted inside texts such as "failed to authenticate token …"). Knows no transports.
import pino, { Logger } from 'pino';

/** A token shortened for logs: enough to tell tokens apart, never enough to use one. */
export function redactToken(token: string): string {
  return token.length <= 8 ? '***' : `${token.slice(0, 4)}…${token.slice(-2)}`;
}

/** Texts that quote a token after a fixed prefix (KAZOO's error text, echoed in replies and logged). */
const TOKEN_IN_TEXT = /(failed to authenticate token |invalid auth token |for token )([^\s"',]{9,})/g;

/** `text` with every quoted token shortened. */
export function scrubTokens(text: string): string {
  return text.replace(TOKEN_IN_TEXT, (_m, prefix: string, token: string) => prefix + redactToken(token));
}

/** `value` with quoted tokens shortened in its strings: nested arrays, plain objects and errors, never mutated. */
function scrubValue(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return scrubTokens(value);
  if (depth <= 0 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => scrubValue(v, depth - 1));
  if (value instanceof Error) {
    // A copy of the same class, so pino's error serializer still names it.
    const copy = Object.assign(Object.create(Object.getPrototypeOf(value) as object) as Error, value);
    copy.message = scrubTokens(value.message);
    if (value.stack !== undefined) copy.stack = scrubTokens(value.stack);
    return copy;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = scrubValue(v, depth - 1);
  return out;
}

/**
 * The process logger; `destination` is for tests (default stdout).
 * @example const logger = createLogger("info"); logger.info({ port }, "listening"); logger.child({ session: id })
 */
export function createLogger(level: string, pretty = process.stdout.isTTY === true, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service: 'event-horizon' },
    redact: {
      paths: ['auth_token', '*.auth_token', 'token', '*.token', 'authToken', '*.authToken', 'resume_token', '*.resume_token', 'req.headers.authorization', 'headers.authorization', 'cause', '*.cause'],
      censor: (value: unknown) => (typeof value === 'string' ? redactToken(value) : '[redacted]'),
    },
    formatters: {
      // Error texts may quote a token (KAZOO's "failed to authenticate token <T>"): shorten it there too.
      log: (object) => {
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(object)) out[k] = scrubValue(v, 4);
        return out;
      },
    },
    hooks: {
      logMethod(args, method) {
        // `logger.error(err)` alone: pino would take the error's own message, unscrubbed, as the line's text.
        if (args.length === 1 && args[0] instanceof Error) return method.apply(this, [{ err: args[0] }, scrubTokens(args[0].message)]);
        if (typeof args[args.length - 1] === 'string') args[args.length - 1] = scrubTokens(args[args.length - 1] as string);
        method.apply(this, args);
      },
    },
  };
  if (pretty && !destination) return pino({ ...options, transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l' } } });
  return destination ? pino(options, destination) : pino(options);
}

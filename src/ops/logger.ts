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

function scrubValue(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return scrubTokens(value);
  if (depth > 0 && Array.isArray(value)) return value.map((v) => scrubValue(v, depth - 1));
  return value;
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
        for (const [k, v] of Object.entries(object)) out[k] = scrubValue(v, 2);
        return out;
      },
    },
    hooks: {
      logMethod(args, method) {
        if (typeof args[args.length - 1] === 'string') args[args.length - 1] = scrubTokens(args[args.length - 1] as string);
        method.apply(this, args);
      },
    },
  };
  if (pretty && !destination) return pino({ ...options, transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l' } } });
  return destination ? pino(options, destination) : pino(options);
}

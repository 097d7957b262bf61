// The product's logger (same redaction) with its JSON lines kept in memory, so a test can read what an
// in-process bridge logged.
import { Writable } from 'node:stream';
import type pino from 'pino';
import type { Logger } from 'pino';
import { createLogger } from '../../src/ops/logger';
import { waitUntil } from './wait';

/** One decoded log line (pino's numeric `level`, the message and any fields). */
export type LogLine = { level: number; msg: string } & Record<string, unknown>;

/** pino's numeric levels. */
export const Level = { debug: 20, info: 30, warn: 40, error: 50 } as const;

/**
 * @example const logs = new LogCapture('info'); startTestServer({}, {}, { logger: logs.logger }); await logs.waitFor('connect', (l) => l.msg === 'connection opened');
 */
export class LogCapture {
  readonly lines: LogLine[] = [];
  readonly logger: Logger;
  private readonly listeners = new Set<() => void>();

  constructor(level: pino.Level = 'debug') {
    let partial = '';
    const sink = new Writable({
      write: (chunk: Buffer, _enc, done) => {
        partial += chunk.toString();
        for (let i = partial.indexOf('\n'); i >= 0; i = partial.indexOf('\n')) {
          const line = partial.slice(0, i);
          partial = partial.slice(i + 1);
          if (line.startsWith('{')) this.lines.push(JSON.parse(line) as LogLine);
        }
        for (const l of [...this.listeners]) l();
        done();
      },
    });
    this.logger = createLogger(level, false, sink);
  }

  /** Lines matching `match`, in order. */
  filter(match: (line: LogLine) => boolean): LogLine[] {
    return this.lines.filter(match);
  }

  /** Waits for the first line matching `match` (logged before or after the call). */
  waitFor(what: string, match: (line: LogLine) => boolean, timeoutMs = 8000): Promise<LogLine> {
    return waitUntil(what, () => this.lines.find(match), (cb) => (this.listeners.add(cb), () => this.listeners.delete(cb)), timeoutMs);
  }
}

// Collects what a child process writes (stdout and stderr together) and tells waiters when it grows.
import type { ChildProcess } from 'node:child_process';
import { waitUntil } from './wait';

/**
 * Output of a child process, with a change notification for waitUntil.
 * @example const out = new ChildOutput(child); await out.waitFor('the banner', /listening/);
 */
export class ChildOutput {
  text = '';
  private readonly listeners = new Set<() => void>();

  constructor(child?: ChildProcess) {
    if (child) this.attach(child);
  }

  attach(child: ChildProcess): void {
    const collect = (d: Buffer) => {
      this.text += d.toString();
      for (const l of [...this.listeners]) l();
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
  }

  readonly onChange = (cb: () => void) => {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  };

  /** Waits until the output (from `from` on) matches `pattern`; returns the match. */
  waitFor(what: string, pattern: RegExp, timeoutMs = 10000, from = 0): Promise<RegExpExecArray> {
    return waitUntil(what, () => pattern.exec(this.text.slice(from)) ?? undefined, this.onChange, timeoutMs);
  }

  /** Lines that match `pattern`. */
  count(pattern: RegExp): number {
    return this.text.split('\n').filter((line) => pattern.test(line)).length;
  }
}

// Owns the lifetime of every benchmark child process: it exits when its parent goes away and after
// a hard deadline, so no load generator or server outlives the run. Knows nothing about the work.

/** Hard ceiling on any benchmark child's life, whatever the run asks. */
const MAX_LIFETIME_MS = Number(process.env['BENCH_CHILD_MAX_MS'] ?? 20 * 60_000);

/**
 * Bounds this process: exit on IPC disconnect (parent gone) and after the deadline.
 * @example guardChild("client-fleet");
 */
export function guardChild(name: string): void {
  process.on('disconnect', () => process.exit(0));
  const timer = setTimeout(() => {
    process.stderr.write(`${name}: lifetime of ${MAX_LIFETIME_MS} ms reached; exiting\n`);
    process.exit(3);
  }, MAX_LIFETIME_MS);
  timer.unref();
  // Memory measurements ask for a full collection first (children run with --expose-gc).
  process.on('message', (msg: { type?: string }) => {
    if (msg?.type !== 'gc') return;
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    tellParent({ type: 'gc-done', exposed: gc !== undefined, heapUsed: process.memoryUsage().heapUsed });
  });
}

/** Sends an IPC message to the parent if it is still there. */
export function tellParent(message: unknown): void {
  if (process.connected) process.send!(message);
}

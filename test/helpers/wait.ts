// Waiting with deadlines instead of sleeping: a condition checked on every change, or a clear failure.

/**
 * Resolves with the first value for which `check` returns something defined; rejects after `timeoutMs`
 * with `what` in the message. `subscribe` registers a callback run on every change.
 */
export function waitUntil<T>(
  what: string,
  check: () => T | undefined,
  subscribe: (onChange: () => void) => () => void,
  timeoutMs = 5000,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const first = check();
    if (first !== undefined) return resolve(first);
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    const unsubscribe = subscribe(() => {
      const value = check();
      if (value === undefined) return;
      clearTimeout(timer);
      unsubscribe();
      resolve(value);
    });
  });
}

/** Polls `check` every `intervalMs` until it returns something defined, or fails after `timeoutMs`. */
export async function pollUntil<T>(what: string, check: () => T | undefined | Promise<T | undefined>, timeoutMs = 5000, intervalMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

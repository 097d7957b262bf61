// Owns a watcher of the operator console's live feed (`GET /api/stream`, server-sent events), opened
// the way the console page opens it, so a bench row can run with the console watching. Counts the
// samples it reads; knows nothing about scenarios.

/** The admin token the bench gives Event Horizon (`--admin-token`). */
export const BENCH_ADMIN_TOKEN = 'bench-admin-token-00000000000000';

export interface ConsoleWatcher {
  /** `sample` events read so far. */
  samples(): number;
  close(): Promise<void>;
}

/**
 * Opens the stream and reads it until closed; rejects when the bridge refuses it.
 * @example const watcher = await openConsoleStream('http://127.0.0.1:5555'); … await watcher.close();
 */
export async function openConsoleStream(base: string, token = BENCH_ADMIN_TOKEN): Promise<ConsoleWatcher> {
  const controller = new AbortController();
  const res = await fetch(`${base}/api/stream`, { headers: { Authorization: `Bearer ${token}` }, signal: controller.signal });
  if (res.status !== 200 || !res.body) throw new Error(`the console stream answered ${res.status}`);
  let samples = 0;
  let text = '';
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  const reading = (async () => {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      text += decoder.decode(value, { stream: true });
      for (let i = text.indexOf('\n\n'); i >= 0; i = text.indexOf('\n\n')) {
        if (/^event: sample$/m.test(text.slice(0, i))) samples++;
        text = text.slice(i + 2);
      }
    }
  })().catch(() => undefined);
  return {
    samples: () => samples,
    async close() {
      controller.abort();
      await reading;
    },
  };
}

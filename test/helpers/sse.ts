// A server-sent events reader for tests: opens a stream with fetch (headers allowed, unlike EventSource),
// records every event in an Inbox and closes on demand.
import { Inbox } from './inbox';

/** One open stream. */
export class SseStream {
  readonly inbox = new Inbox();
  private constructor(private readonly abort: AbortController, readonly status: number) {}

  /**
   * Opens `url`; resolves once the answer's headers arrived (read `status` for refusals).
   * @example const stream = await SseStream.open(`${url}/api/stream`, { Authorization: `Bearer ${admin}` });
   */
  static async open(url: string, headers: Record<string, string> = {}): Promise<SseStream> {
    const abort = new AbortController();
    const res = await fetch(url, { headers, signal: abort.signal });
    const stream = new SseStream(abort, res.status);
    if (res.status !== 200 || !res.body) {
      await res.body?.cancel();
      return stream;
    }
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buffered = '';
    void (async () => {
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          buffered += decoder.decode(value, { stream: true });
          let end: number;
          while ((end = buffered.indexOf('\n\n')) >= 0) {
            const block = buffered.slice(0, end);
            buffered = buffered.slice(end + 2);
            const name = /^event: (.*)$/m.exec(block)?.[1] ?? 'message';
            const data = /^data: (.*)$/m.exec(block)?.[1];
            if (data !== undefined) stream.inbox.push({ name, data: JSON.parse(data) as unknown });
          }
        }
      } catch {
        // aborted by close()
      }
    })();
    return stream;
  }

  /** Waits for an event named `name` whose data satisfies `pred`. */
  async next<T>(name: string, pred: (data: T) => boolean = () => true, timeoutMs = 8000): Promise<T> {
    const item = await this.inbox.wait(`a "${name}" event`, (i) => i.name === name && pred(i.data as T), timeoutMs);
    return item.data as T;
  }

  close(): void {
    this.abort.abort();
  }
}

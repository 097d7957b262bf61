// Owns talking to the bridge's admin API: the admin token (kept in this tab's sessionStorage, sent as
// an Authorization header, never in a URL), JSON requests, and the live stream read with fetch
// (EventSource cannot send headers), reconnecting with backoff. No DOM.

const KEY = 'eh-admin-token';

export const token = {
  get: () => sessionStorage.getItem(KEY),
  set: (t) => sessionStorage.setItem(KEY, t),
  clear: () => sessionStorage.removeItem(KEY),
};

/** Raised for refused requests; `status` is the HTTP status. */
export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

async function messageOf(res) {
  try {
    const body = await res.json();
    return body.message || `HTTP ${res.status}`;
  } catch {
    return `HTTP ${res.status}`;
  }
}

/** GET or POST a JSON admin route; resolves with `data`. */
export async function api(path, { method = 'GET', body } = {}) {
  const res = await fetch(path, {
    method,
    headers: { Authorization: `Bearer ${token.get() ?? ''}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
    cache: 'no-store',
  });
  if (!res.ok) throw new ApiError(res.status, await messageOf(res));
  return (await res.json()).data;
}

/**
 * Reads /api/stream until stopped: onEvent(name, data) per event, onState('live'|'reconnecting'|'refused', detail).
 * A refusal (401/403) stops it; anything else retries after 1 s, doubling to 10 s.
 */
export function openStream(onEvent, onState) {
  let stopped = false;
  let controller;
  let delay = 1000;
  async function run() {
    while (!stopped) {
      controller = new AbortController();
      try {
        const res = await fetch('/api/stream', { headers: { Authorization: `Bearer ${token.get() ?? ''}` }, signal: controller.signal, cache: 'no-store' });
        if (res.status === 401 || res.status === 403) {
          onState('refused', { status: res.status, message: await messageOf(res) });
          return;
        }
        if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
        delay = 1000;
        onState('live');
        const reader = res.body.getReader();
        const decoder = new TextDecoder();
        let buffered = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffered += decoder.decode(value, { stream: true });
          let end;
          while ((end = buffered.indexOf('\n\n')) >= 0) {
            const block = buffered.slice(0, end);
            buffered = buffered.slice(end + 2);
            const name = /^event: (.*)$/m.exec(block)?.[1] ?? 'message';
            const data = /^data: (.*)$/m.exec(block)?.[1];
            if (data !== undefined) onEvent(name, JSON.parse(data));
          }
        }
      } catch (err) {
        if (stopped) return;
        onState('reconnecting', { message: err.message });
      }
      if (stopped) return;
      onState('reconnecting', { message: 'stream ended' });
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 10000);
    }
  }
  run();
  return { stop() { stopped = true; controller?.abort(); } };
}

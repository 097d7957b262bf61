// Owns waiting for quiet between measurements: every long-lived server and the broker back to idle,
// so one system's backlog (events still queued for it) never runs into the next system's numbers.
// Knows process ids only; nothing about scenarios or systems.
import { cpuMillis, sleep } from './processes';

export interface SettleOptions {
  /** Processes that must go quiet (servers, the broker). */
  pids: number[];
  /** Every process below this share of one core counts as quiet. */
  quietPct: number;
  /** Gives up after this long (the caller records that it did). */
  maxMs: number;
}

const SAMPLE_MS = 150;

function cpuOf(pids: number[]): number[] {
  return pids.map((pid) => {
    try {
      return cpuMillis(pid);
    } catch {
      return 0; // process gone: nothing left to drain
    }
  });
}

/**
 * Waits until each process uses less than `quietPct` of a core over two samples in a row, or `maxMs`.
 * @example const { waitedMs, quiet } = await settle({ pids: [serverPid, brokerPid], quietPct: 15, maxMs: 20_000 });
 */
export async function settle(o: SettleOptions): Promise<{ waitedMs: number; quiet: boolean }> {
  const started = Date.now();
  let calm = 0;
  let before = cpuOf(o.pids);
  while (Date.now() - started < o.maxMs) {
    await sleep(SAMPLE_MS);
    const now = cpuOf(o.pids);
    const busiest = Math.max(0, ...now.map((ms, i) => ((ms - before[i]!) * 100) / SAMPLE_MS));
    before = now;
    calm = busiest < o.quietPct ? calm + 1 : 0;
    if (calm >= 2) return { waitedMs: Date.now() - started, quiet: true };
  }
  return { waitedMs: Date.now() - started, quiet: false };
}

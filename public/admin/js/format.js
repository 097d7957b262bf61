// Owns how the console writes numbers: always with their unit, compact, the same way everywhere.
// Pure functions, no DOM.

/** 1234.5 → "1,234.5"; null → "–". */
export function count(n, digits = 0) {
  if (n === null || n === undefined || Number.isNaN(n)) return '–';
  return Number(n).toLocaleString('en-US', { maximumFractionDigits: digits });
}

/** Events per second: "12.5 /s". */
export function rate(n) {
  if (n === null || n === undefined) return '–';
  return `${count(n, n < 10 ? 2 : 1)} /s`;
}

/** Milliseconds: "0.42 ms", "12 ms", or "no events" for an empty interval. */
export function ms(n) {
  if (n === null || n === undefined) return 'no events';
  return `${count(n, n < 1 ? 3 : n < 10 ? 2 : 0)} ms`;
}

/** Bytes: "0 B", "1.5 KiB", "2.0 MiB". */
export function bytes(n) {
  if (n === null || n === undefined) return '–';
  if (n < 1024) return `${count(n)} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** Seconds as an age: "42 s", "3 min 5 s", "2 h 10 min", "3 d 4 h". */
export function age(seconds) {
  if (seconds === null || seconds === undefined) return '–';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86400)} d ${Math.floor((s % 86400) / 3600)} h`;
}

/** A time of day from an ISO date or ms: "14:03:22". */
export function clock(at) {
  const d = new Date(at);
  return Number.isNaN(d.getTime()) ? '–' : d.toLocaleTimeString('en-GB', { hour12: false });
}

/** Seconds from now until an ISO date, as "in 4 min 2 s" or "expired 10 s ago"; "no expiry" for null. */
export function until(iso, now = Date.now()) {
  if (!iso) return 'no expiry';
  const left = (new Date(iso).getTime() - now) / 1000;
  return left >= 0 ? `in ${age(left)}` : `expired ${age(-left)} ago`;
}

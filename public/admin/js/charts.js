// Owns the console's charts: small line charts drawn as inline SVG (no library, nothing fetched), one
// polyline per series over a fixed window, a scale with units and a legend that states the latest values.
import { h } from './dom.js';

const NS = 'http://www.w3.org/2000/svg';
const W = 320;
const H = 120;
const PAD_BOTTOM = 4;
const PAD_TOP = 8;
/** Width of one axis-label character at the 9-unit font (generous: a label is never cut on the left). */
const CHAR_W = 5.6;

function svg(tag, attrs = {}) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

/** The smallest 1-2-5 number ≥ v. */
function nice(v) {
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

/**
 * The axis ticks 0, step, 2·step covering `top` (at least `floor`): a 1-2-5 step, whole when the
 * measure counts things (never a "0.5 conn" tick that would print as a second "1 conn").
 */
export function axisTicks(top, floor, integer) {
  let step = nice(Math.max(top, floor) / 2);
  if (integer) step = Math.max(1, Math.ceil(step));
  return [0, step, 2 * step];
}

/**
 * A line chart in `parent`.
 * @example const c = lineChart(el, { id: 'events', title: 'Events', unit: (n) => `${n} /s`, series: [{ key: 'in', label: 'in' }] }); c.update(points);
 * `points` are objects with one number (or null) per series key, oldest first. `integer` for counts
 * (connections, bindings): whole ticks. The axis labels are numbers with `unit`, and the plot starts
 * right of the longest one, so none is cut.
 */
export function lineChart(parent, { id, title, unit, series, window = 120, floor = 1, integer = false }) {
  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', class: 'chart-svg' });
  const grid = svg('g', { class: 'grid' });
  const lines = series.map((_, i) => svg('polyline', { class: `line s${i}`, fill: 'none', points: '' }));
  root.append(grid, ...lines);
  const legend = h('ul', { class: 'legend' });
  const values = series.map((s, i) => {
    const b = h('b', { 'data-series': s.key }, '–');
    legend.append(h('li', { class: `s${i}` }, h('span', { class: 'swatch', 'aria-hidden': 'true' }), `${s.label} `, b));
    return b;
  });
  const figure = h('figure', { class: 'chart', id, 'data-latest': '0' }, h('figcaption', { id: `${id}-title` }, title), root, legend);
  parent.append(figure);

  return {
    update(points) {
      const shown = points.slice(-window);
      let top = 0;
      for (const p of shown) for (const s of series) top = Math.max(top, p[s.key] ?? 0);
      const ticks = axisTicks(top, floor, integer);
      const max = ticks[2];
      const texts = ticks.map((v) => unit(v));
      const padLeft = Math.ceil(Math.max(...texts.map((t) => t.length)) * CHAR_W) + 6;
      const x = (i) => padLeft + ((W - padLeft) * (window - shown.length + i)) / Math.max(1, window - 1);
      const y = (v) => PAD_TOP + (H - PAD_TOP - PAD_BOTTOM) * (1 - v / max);
      grid.replaceChildren();
      ticks.forEach((v, i) => {
        grid.append(svg('line', { x1: padLeft, x2: W, y1: y(v), y2: y(v) }));
        const label = svg('text', { x: padLeft - 4, y: y(v) + 3, 'text-anchor': 'end', class: 'tick' });
        label.textContent = texts[i];
        grid.append(label);
      });
      series.forEach((s, i) => {
        const pts = [];
        shown.forEach((p, j) => {
          const v = p[s.key];
          if (v !== null && v !== undefined) pts.push(`${x(j).toFixed(1)},${y(v).toFixed(1)}`);
        });
        lines[i].setAttribute('points', pts.join(' '));
        const last = shown.at(-1)?.[s.key];
        values[i].textContent = last === undefined ? '–' : unit(last);
      });
      const latest = series.reduce((sum, s) => sum + (shown.at(-1)?.[s.key] ?? 0), 0);
      figure.dataset.latest = String(latest);
      figure.dataset.peak = String(top);
      root.setAttribute('aria-label', `${title}: ${series.map((s, i) => `${s.label} ${values[i].textContent}`).join(', ')}`);
    },
  };
}

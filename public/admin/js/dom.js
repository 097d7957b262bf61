// Owns the console's few DOM helpers: building elements without innerHTML (the page's content policy
// and untrusted values from clients both say so).

/** h('td', { class: 'num' }, 'text', childNode) → element. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== undefined && c !== null) el.append(c instanceof Node ? c : String(c));
  return el;
}

/** Replaces every child of `el`. */
export function fill(el, children) {
  el.replaceChildren(...children);
}

export const $ = (id) => document.getElementById(id);

// Owns the small helpers every page script shares: the EH namespace, building elements, formatting time.
// Knows nothing about connections, events or the server.
(function () {
  'use strict';
  const EH = (window.EH = window.EH || {});

  /**
   * Builds an element; text goes through textContent, never HTML.
   * @example EH.dom.el('li', { className: 'row', dataset: { name: 'X' } }, ['text', child])
   */
  function el(tag, props, children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (key === 'dataset') Object.assign(node.dataset, value);
      else if (key === 'attrs') for (const [a, v] of Object.entries(value)) node.setAttribute(a, v);
      else node[key] = value;
    }
    for (const child of children || []) {
      if (child === null || child === undefined) continue;
      node.append(typeof child === 'string' ? document.createTextNode(child) : child);
    }
    return node;
  }

  /** HH:MM:SS.mmm in local time. */
  function clock(date) {
    const pad = (n, w) => String(n).padStart(w || 2, '0');
    return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
  }

  /** Keeps at most `max` children, dropping from the end (lists are newest first). */
  function trim(list, max) {
    while (list.children.length > max) list.lastElementChild.remove();
  }

  EH.dom = { el, clock, trim, byId: (id) => document.getElementById(id) };
})();

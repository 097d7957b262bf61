// Owns the raw frames panel: every frame sent and received on the wire, newest first, capped.
// Knows nothing of what the frames mean.
(function () {
  'use strict';
  const EH = window.EH;
  const { el, clock, trim } = EH.dom;
  const MAX_CHARS = 4000;
  const ARROWS = { out: '→', in: '←', close: '✕' };
  const TITLES = { out: 'sent', in: 'received', close: 'connection closed' };

  /**
   * @example const frames = new EH.FrameLog({ list, empty, clear }); frames.add('out', '{"action":"ping"}');
   */
  class FrameLog {
    constructor(nodes, max) {
      this.n = nodes;
      this.max = max || 300;
      nodes.clear.addEventListener('click', () => {
        nodes.list.replaceChildren();
        nodes.empty.hidden = false;
      });
    }

    add(direction, text) {
      const shown = text.length > MAX_CHARS ? `${text.slice(0, MAX_CHARS)}… (${text.length} characters)` : text;
      const now = new Date();
      const code = el('code', { title: 'Click to show the whole frame' }, [shown]);
      const row = el('li', { className: direction, dataset: { direction } }, [
        el('span', { className: 'arrow', title: TITLES[direction] || direction }, [ARROWS[direction] || '·']),
        el('time', { className: 'when', dateTime: now.toISOString() }, [clock(now)]),
        code,
      ]);
      code.addEventListener('click', () => row.classList.toggle('expanded'));
      this.n.list.prepend(row);
      trim(this.n.list, this.max);
      this.n.empty.hidden = true;
    }
  }

  EH.FrameLog = FrameLog;
})();

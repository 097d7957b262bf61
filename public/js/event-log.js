// Owns the live event log: one row per event envelope (name, account, time, expandable JSON), the filter,
// pause/resume, clear, and the counts per event name. Knows nothing of sockets or generations.
(function () {
  'use strict';
  const EH = window.EH;
  const { el, clock, trim } = EH.dom;
  const ACCOUNT_RE = /[0-9a-f]{32}/;

  /** The account an event belongs to: from the payload, else from its account-scoped routing key. */
  function accountOf(envelope) {
    const data = envelope.data || {};
    const ccv = data.custom_channel_vars || {};
    if (typeof ccv.account_id === 'string') return ccv.account_id;
    if (typeof data.account_id === 'string') return data.account_id;
    const m = ACCOUNT_RE.exec(envelope.routing_key || '');
    return m ? m[0] : '';
  }

  /**
   * The event log panel.
   * @example const log = new EH.EventLog({ list, empty, filter, pause, clear, counts, total }); log.add(envelope);
   */
  class EventLog {
    constructor(nodes, max) {
      this.n = nodes;
      this.max = max || 500;
      this.counts = new Map();
      this.paused = false;
      this.held = [];
      nodes.filter.addEventListener('input', () => this.applyFilter());
      nodes.pause.addEventListener('click', () => this.setPaused(!this.paused));
      nodes.clear.addEventListener('click', () => this.clear());
      this.renderCounts();
    }

    add(envelope) {
      const name = envelope.name || envelope.subscribed_key || 'event';
      this.counts.set(name, (this.counts.get(name) || 0) + 1);
      this.renderCounts();
      const row = this.row(envelope, name, new Date());
      if (this.paused) {
        this.held.push(row);
        this.n.pause.textContent = `Resume (${this.held.length})`;
        return;
      }
      this.show(row);
    }

    row(envelope, name, time) {
      const data = envelope.data || {};
      const account = accountOf(envelope);
      const callId = typeof data.call_id === 'string' ? data.call_id : '';
      const json = JSON.stringify(envelope, null, 2);
      const summary = el('summary', {}, [
        el('time', { className: 'when', dateTime: time.toISOString() }, [clock(time)]),
        el('span', { className: `name ${/^CHANNEL_/.test(name) ? 'call' : ''}` }, [name]),
        el('span', { className: 'account', title: 'account id' }, [account || '–']),
        el('span', { className: 'key', title: 'subscribed_key' }, [envelope.subscribed_key || '']),
        callId ? el('span', { className: 'call-id', title: 'call id' }, [callId]) : null,
      ]);
      const li = el('li', { dataset: { name, account, callId } }, [el('details', {}, [summary, el('pre', {}, [json])])]);
      li.searchText = `${name} ${account} ${callId} ${json}`.toLowerCase();
      return li;
    }

    show(row) {
      row.hidden = !this.matches(row);
      this.n.list.prepend(row);
      trim(this.n.list, this.max);
      this.n.empty.hidden = true;
    }

    matches(row) {
      const q = this.n.filter.value.trim().toLowerCase();
      // An event name (as a count chip sets it) shows exactly that event; anything else searches all text.
      const name = this.n.filter.value.trim().toUpperCase();
      if (this.counts.has(name)) return row.dataset.name === name;
      return q === '' || q.split(/\s+/).every((word) => row.searchText.includes(word));
    }

    applyFilter() {
      for (const row of this.n.list.children) row.hidden = !this.matches(row);
    }

    setPaused(paused) {
      this.paused = paused;
      this.n.pause.setAttribute('aria-pressed', String(paused));
      this.n.pause.textContent = paused ? 'Resume' : 'Pause';
      if (!paused) {
        for (const row of this.held.splice(0)) this.show(row);
      }
    }

    clear() {
      this.n.list.replaceChildren();
      this.held = [];
      this.counts.clear();
      this.setPaused(this.paused);
      this.renderCounts();
      this.n.empty.hidden = false;
    }

    renderCounts() {
      let total = 0;
      const chips = [];
      for (const [name, count] of [...this.counts].sort((a, b) => a[0].localeCompare(b[0]))) {
        total += count;
        const chip = el('button', { type: 'button', className: 'chip', title: `Show only ${name}`, dataset: { name } }, [
          name, ' ', el('b', { className: 'count' }, [String(count)]),
        ]);
        chip.addEventListener('click', () => {
          this.n.filter.value = this.n.filter.value === name ? '' : name;
          this.applyFilter();
        });
        chips.push(chip);
      }
      this.n.counts.replaceChildren(...chips);
      this.n.total.textContent = String(total);
    }
  }

  EH.EventLog = EventLog;
})();

// Owns demo mode on the page: GET /api/demo (prefill the demo token and account) and the "Simulate a
// call" button (POST /api/demo/simulate-call). Knows nothing of connections or the event log.
(function () {
  'use strict';
  const EH = window.EH;

  /**
   * @example new EH.DemoPanel(nodes, { credentials: () => ({ token, account }), prefill: (token, account) => … })
   */
  class DemoPanel {
    constructor(nodes, hooks) {
      this.n = nodes;
      this.hooks = hooks;
      nodes.simulate.addEventListener('click', () => this.simulate());
      this.ready = this.detect();
    }

    async detect() {
      let info;
      try {
        const res = await fetch('/api/demo', { headers: { Accept: 'application/json' } });
        if (!res.ok) return false;
        info = await res.json();
      } catch {
        return false;
      }
      this.n.panel.hidden = false;
      if (info.auth_token && info.account_id) {
        this.hooks.prefill(info.auth_token, info.account_id);
        this.n.notice.textContent = `Demo mode: the demo token and its account ${info.account_id} are filled in. Connect, subscribe, then simulate a call.`;
      } else {
        this.n.notice.textContent = 'Demo mode: add a token to the tokens file, then connect with it.';
      }
      this.n.notice.hidden = false;
      return true;
    }

    async simulate() {
      const { token, account } = this.hooks.credentials();
      this.n.simulate.disabled = true;
      this.show('Publishing CHANNEL_CREATE, CHANNEL_ANSWER, CHANNEL_DESTROY…', '');
      try {
        const res = await fetch('/api/demo/simulate-call', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
          body: JSON.stringify({ account_id: account, auth_token: token }),
        });
        const body = await res.json().catch(() => ({}));
        if (res.ok) this.show(`Published call ${body.data.call_id} for account ${body.data.account_id}.`, 'ok');
        else this.show(`The server refused: ${body.message || res.status}`, 'error');
      } catch (err) {
        this.show(`Could not reach the server: ${err.message}`, 'error');
      } finally {
        this.n.simulate.disabled = false;
      }
    }

    show(text, kind) {
      this.n.status.textContent = text;
      this.n.status.dataset.kind = kind;
    }
  }

  EH.DemoPanel = DemoPanel;
})();

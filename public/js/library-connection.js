// Owns the page's raw WebSocket connection, run by the client library the bridge serves
// (/vendor/event-horizon-client.js): the same callbacks as EH.Connection, and every close shown with
// the code and reason the server sent. Knows nothing of the DOM.
(function () {
  'use strict';
  const EH = window.EH;
  const LIBRARY = '/vendor/event-horizon-client.js';
  const PING_EVERY_MS = 10000;
  let library;

  /** Loads the client library once (an ES module, imported from this classic script). */
  EH.loadClientLibrary = function () {
    if (!library) {
      library = import(LIBRARY);
      library.catch(() => {
        library = undefined;
      });
    }
    return library;
  };

  function closeText(info) {
    return `${info.code}${info.reason ? ` ${info.reason}` : ''}`;
  }

  /**
   * @example const c = new EH.LibraryConnection({ onState, onEvent, onFrame, onSubscriptions, onStatus, onRtt });
   * c.connect({ url: 'ws://localhost:5555/', token, account }); c.subscribe(['call.*.*']);
   */
  class LibraryConnection {
    constructor(callbacks) {
      this.cb = callbacks;
      this.client = null;
      this.settings = null;
      this.epoch = 0;
      this.wanted = [];
      this.active = new Set();
      this.offs = new Map();
      this.lastClose = '';
      this.pinger = null;
    }

    connect(settings) {
      this.stop();
      this.settings = settings;
      const epoch = ++this.epoch;
      this.cb.onState('connecting', 'attempt 1');
      EH.loadClientLibrary().then(
        (lib) => epoch === this.epoch && this.start(lib),
        (err) => epoch === this.epoch && this.cb.onState('disconnected', `could not load ${LIBRARY}: ${err.message}`),
      );
    }

    start(lib) {
      const settings = this.settings;
      const client = new lib.EventHorizonClient({
        url: settings.url, getToken: () => settings.token, requestIdPrefix: 'page-', backoff: { initialMs: 250, maxMs: 5000 }, keepaliveMs: 0,
      });
      this.client = client;
      this.lastClose = '';
      client.on('frame', (f) => this.cb.onFrame(f.direction, f.text));
      client.on('close', (info) => {
        const text = info.byClient ? `closed by the page (${closeText(info)})` : info.wasOpen ? `server closed the connection: ${closeText(info)}` : `connection attempt failed (${closeText(info)})`;
        this.cb.onFrame('close', text);
        // The close that ended an open connection is the news; a failed retry after it is not.
        if (info.wasOpen || !this.lastClose) this.lastClose = text;
        clearInterval(this.pinger);
        this.active.clear();
        this.publish();
      });
      client.on('reconnecting', (r) => {
        const s = r.delayMs / 1000;
        this.cb.onState('reconnecting', `${this.lastClose}; attempt ${r.attempt + 1} in ${s.toFixed(s < 1 ? 2 : 0)} s`);
      });
      client.on('open', () => {
        this.lastClose = '';
        this.cb.onState('connected', '');
        this.ping();
        this.pinger = setInterval(() => this.ping(), PING_EVERY_MS);
      });
      client.on('restored', (r) => {
        for (const b of r.bindings) this.active.add(b);
        this.cb.onStatus(`${r.resumed ? `resumed (${r.missed} missed)` : 're-subscribed'}: ${r.bindings.join(', ')}`, 'ok');
        this.publish();
      });
      for (const b of this.wanted) this.add(b, false);
      client.connect();
    }

    /** Closes on purpose: no reconnect, and the page's subscriptions are forgotten. */
    disconnect() {
      this.stop();
      this.wanted = [];
      this.publish();
      this.cb.onState('disconnected', '');
    }

    stop() {
      this.epoch++;
      clearInterval(this.pinger);
      if (this.client) this.client.close();
      this.client = null;
      this.offs.clear();
      this.active.clear();
    }

    subscribe(bindings) {
      for (const b of bindings) {
        if (this.wanted.includes(b)) continue;
        this.wanted.push(b);
        if (this.client) this.add(b, true);
      }
      this.publish();
    }

    add(binding, report) {
      const off = this.client.subscribe(this.settings.account, binding, (envelope) => this.cb.onEvent(envelope));
      this.offs.set(binding, off);
      off.ready.then(
        () => {
          this.active.add(binding);
          if (report) this.cb.onStatus(`subscribed: ${binding}`, 'ok');
          this.publish();
        },
        (err) => {
          this.offs.delete(binding);
          this.wanted = this.wanted.filter((b) => b !== binding);
          this.cb.onStatus(err.message, 'error');
          this.publish();
        },
      );
    }

    /** Removes bindings; with none given, every subscription. */
    unsubscribe(bindings) {
      const gone = bindings.length === 0 ? this.wanted.slice() : bindings.filter((b) => this.wanted.includes(b));
      for (const b of gone) {
        const off = this.offs.get(b);
        if (off) off();
        this.offs.delete(b);
        this.active.delete(b);
      }
      this.wanted = this.wanted.filter((b) => !gone.includes(b));
      this.cb.onStatus(bindings.length === 0 ? 'unsubscribed from everything' : gone.length > 0 ? `unsubscribed: ${gone.join(', ')}` : `was not subscribed to ${bindings.join(', ')}`, 'ok');
      this.publish();
    }

    ping() {
      if (!this.client) return;
      this.client.ping().then(
        (ms) => this.cb.onRtt(ms),
        (err) => this.client && this.client.state === 'open' && this.cb.onStatus(`ping failed: ${err.message}`, 'error'),
      );
    }

    publish() {
      this.cb.onSubscriptions(this.wanted.map((binding) => ({ binding, active: this.active.has(binding) })));
    }
  }

  EH.LibraryConnection = LibraryConnection;
  EH.loadClientLibrary().catch(() => undefined);
})();

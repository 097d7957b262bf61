// Owns one live connection whatever the generation: state, reconnect with backoff, re-subscribing after
// every (re)connect, reply matching, ping round trips. Knows nothing of the DOM: it reports via callbacks.
(function () {
  'use strict';
  const EH = window.EH;
  const OPEN_TIMEOUT_MS = 8000;
  const PING_EVERY_MS = 10000;
  const BACKOFF_MS = [250, 500, 1000, 2000, 4000, 5000];

  /** What a successful subscribe or unsubscribe did, in words. */
  function successText(request, data) {
    if (request.action === 'subscribe') return `${request.resubscribe ? 're-subscribed' : 'subscribed'}: ${request.bindings.join(', ')}`;
    if (request.bindings.length === 0) return 'unsubscribed from everything';
    const removed = Array.isArray(data.unsubscribed) ? data.unsubscribed : request.bindings;
    return removed.length > 0 ? `unsubscribed: ${removed.join(', ')}` : `was not subscribed to ${request.bindings.join(', ')}`;
  }

  /**
   * A connection the page keeps open until told otherwise.
   * @example
   * const c = new EH.Connection({ onState, onEvent, onFrame, onSubscriptions, onStatus, onRtt });
   * c.connect({ generation: 'websocket', url: 'ws://localhost:5555/', token, account }); c.subscribe(['call.*.*']);
   */
  class Connection {
    constructor(callbacks) {
      this.cb = callbacks;
      this.state = 'disconnected';
      this.settings = null;
      this.client = null;
      this.epoch = 0;
      this.attempt = 0;
      this.wanted = [];
      this.held = [];
      this.pending = new Map();
      this.legacyQueue = [];
      this.nextId = 1;
      this.timers = {};
    }

    /** Opens a connection and keeps it open (reconnecting) until disconnect(); bindings added before are sent once open. */
    connect(settings) {
      this.drop();
      this.settings = settings;
      this.attempt = 0;
      this.open();
    }

    /** Closes on purpose: no reconnect, and the page's subscriptions are forgotten. */
    disconnect() {
      this.settings = null;
      this.drop();
      this.wanted = [];
      this.held = [];
      this.publishSubscriptions();
      this.setState('disconnected', '');
    }

    /** Adds bindings; they are sent now when connected, else on the next connect. */
    subscribe(bindings) {
      for (const b of bindings) if (!this.wanted.includes(b)) this.wanted.push(b);
      this.publishSubscriptions();
      if (this.state === 'connected') this.request('subscribe', { account_id: this.settings.account, bindings }, { bindings });
    }

    /** Removes bindings; with none given, removes every subscription of the connection. */
    unsubscribe(bindings) {
      this.wanted = bindings.length === 0 ? [] : this.wanted.filter((b) => !bindings.includes(b));
      this.publishSubscriptions();
      if (this.state !== 'connected') return;
      if (bindings.length === 0) this.request('unsubscribe', undefined, { bindings });
      else this.request('unsubscribe', { account_id: this.settings.account, bindings }, { bindings });
    }

    /** Sends the envelope `ping`; the reply's round trip goes to onRtt. */
    ping() {
      if (this.state === 'connected') this.request('ping', undefined, {});
    }

    open() {
      const generation = EH.clients[this.settings.generation];
      const epoch = ++this.epoch;
      const live = (fn) => (...args) => {
        if (epoch === this.epoch) fn.apply(this, args);
      };
      this.setState(this.attempt === 0 ? 'connecting' : 'reconnecting', `attempt ${this.attempt + 1}`);
      this.timers.open = setTimeout(live(() => this.closed('timed out while connecting')), OPEN_TIMEOUT_MS);
      this.client = generation.open(this.settings.url, {
        onOpen: live(this.opened),
        onClose: live(this.closed),
        onEnvelope: live(this.received),
        onFrame: live((direction, text) => this.cb.onFrame(direction, text)),
      });
    }

    opened() {
      clearTimeout(this.timers.open);
      this.attempt = 0;
      this.held = [];
      this.setState('connected', '');
      if (this.wanted.length > 0) {
        const bindings = this.wanted.slice();
        this.request('subscribe', { account_id: this.settings.account, bindings }, { bindings, resubscribe: true });
      }
      this.ping();
      this.timers.ping = setInterval(() => this.ping(), PING_EVERY_MS);
    }

    closed(reason) {
      this.drop();
      if (!this.settings) return;
      const delay = BACKOFF_MS[Math.min(this.attempt, BACKOFF_MS.length - 1)];
      this.attempt++;
      this.setState('reconnecting', `${reason}; retrying in ${(delay / 1000).toFixed(delay < 1000 ? 2 : 0)} s`);
      this.timers.retry = setTimeout(() => this.open(), delay);
    }

    /** Forgets the current client and everything tied to it. */
    drop() {
      this.epoch++;
      for (const t of Object.values(this.timers)) {
        clearTimeout(t);
        clearInterval(t);
      }
      this.timers = {};
      if (this.client) this.client.close();
      this.client = null;
      this.pending.clear();
      this.legacyQueue = [];
      if (this.held.length > 0) {
        this.held = [];
        this.publishSubscriptions();
      }
    }

    request(action, data, context) {
      const requestId = `page-${this.nextId++}`;
      const envelope = { action, auth_token: this.settings.token, request_id: requestId };
      if (data !== undefined) envelope.data = data;
      this.pending.set(requestId, Object.assign({ action, sentAt: performance.now() }, context));
      // A legacy emit carries no request id: its reply comes back with a fresh one, in order.
      if (this.client.send(envelope) === 'legacy') this.legacyQueue.push(requestId);
    }

    received(envelope) {
      if (!envelope || typeof envelope !== 'object') return;
      if (envelope.action === 'event') return this.cb.onEvent(envelope);
      if (envelope.action !== 'reply') return;
      let id = envelope.request_id;
      if (!this.pending.has(id) && this.legacyQueue.length > 0) id = this.legacyQueue.shift();
      else this.legacyQueue = this.legacyQueue.filter((x) => x !== id);
      const request = this.pending.get(id);
      if (!request) return;
      this.pending.delete(id);
      const data = envelope.data || {};
      if (request.action === 'ping') {
        if (envelope.status === 'success') this.cb.onRtt(performance.now() - request.sentAt);
        else this.cb.onStatus(`ping failed: ${(data.errors || []).join('; ')}`, 'error');
        return;
      }
      if (Array.isArray(data.subscribed)) this.held = data.subscribed.slice();
      if (envelope.status === 'success') {
        this.cb.onStatus(successText(request, data), 'ok');
      } else {
        this.cb.onStatus(`${request.action} failed: ${(data.errors || ['no reason given']).join('; ')}`, 'error');
        // A refused subscription is not retried after reconnects.
        if (request.action === 'subscribe') this.wanted = this.wanted.filter((b) => !request.bindings.includes(b) || this.held.includes(b));
      }
      this.publishSubscriptions();
    }

    /** Every binding the page wants or the server holds, each active (held) or pending. */
    publishSubscriptions() {
      const all = this.wanted.concat(this.held.filter((b) => !this.wanted.includes(b)));
      this.cb.onSubscriptions(all.map((binding) => ({ binding, active: this.held.includes(binding) })));
    }

    setState(state, detail) {
      this.state = state;
      this.cb.onState(state, detail);
    }
  }

  EH.Connection = Connection;
})();

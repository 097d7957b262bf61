// Owns wiring the page together: the connection panel (generation, URL, token, account), the state
// badge and ping time, and which panel hears about what. Holds no protocol or rendering logic itself.
(function () {
  'use strict';
  const EH = window.EH;
  const $ = EH.dom.byId;
  const STATE_TEXT = { disconnected: 'Disconnected', connecting: 'Connecting…', reconnecting: 'Reconnecting…' };

  const url = $('url');
  const token = $('token');
  const account = $('account');
  const radios = [...document.querySelectorAll('input[name="generation"]')];
  const generation = () => radios.find((r) => r.checked).value;

  let lastDefault = EH.clients[generation()].defaultUrl(location);
  url.value = lastDefault;
  $('generation-hint').textContent = EH.clients[generation()].hint;
  for (const radio of radios) {
    radio.addEventListener('change', () => {
      const client = EH.clients[generation()];
      if (url.value === lastDefault) url.value = client.defaultUrl(location);
      lastDefault = client.defaultUrl(location);
      $('generation-hint').textContent = client.hint;
    });
  }

  const events = new EH.EventLog({
    list: $('event-log'), empty: $('event-empty'), filter: $('event-filter'), pause: $('pause-events'),
    clear: $('clear-events'), counts: $('event-counts'), total: $('event-total'),
  });
  const frames = new EH.FrameLog({ list: $('frame-log'), empty: $('frame-empty'), clear: $('clear-frames') });

  function showState(state, detail) {
    const badge = $('state');
    badge.dataset.state = state;
    const via = document.querySelector(`label[for="gen-${generation()}"]`).textContent;
    $('state-text').textContent = state === 'connected' ? `Connected · ${via}` : STATE_TEXT[state] + (detail ? ` ${detail}` : '');
    const locked = state !== 'disconnected';
    for (const input of [url, token, account, ...radios]) input.disabled = locked;
    $('connect').disabled = locked;
    $('disconnect').disabled = !locked;
    if (state !== 'connected') $('ping-rtt').textContent = '–';
  }

  let subscriptions;
  const callbacks = {
    onState: showState,
    onEvent: (envelope) => events.add(envelope),
    onFrame: (direction, text) => frames.add(direction, text),
    onSubscriptions: (list) => subscriptions && subscriptions.render(list),
    onStatus: (text, kind) => subscriptions && subscriptions.status(text, kind),
    onRtt: (ms) => {
      $('ping-rtt').textContent = `${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms`;
    },
  };
  // Raw WebSocket runs on the client library; the Socket.IO generations on the page's own connection.
  const byLibrary = new EH.LibraryConnection(callbacks);
  const bySocketIo = new EH.Connection(callbacks);
  let active = byLibrary;
  const connection = {
    connect(settings) {
      const next = settings.generation === 'websocket' ? byLibrary : bySocketIo;
      if (next !== active) {
        const waiting = active.wanted.slice();
        active.disconnect();
        active = next;
        if (waiting.length > 0) active.subscribe(waiting);
      }
      active.connect(settings);
    },
    disconnect: () => active.disconnect(),
    subscribe: (bindings) => active.subscribe(bindings),
    unsubscribe: (bindings) => active.unsubscribe(bindings),
    ping: () => active.ping(),
  };
  subscriptions = new EH.SubscriptionsPanel(
    {
      form: $('subscribe-form'), picker: $('binding-form'), binding: $('binding'), description: $('binding-description'),
      unsubscribe: $('unsubscribe'), unsubscribeAll: $('unsubscribe-all'), list: $('subscriptions'),
      empty: $('subscriptions-empty'), status: $('command-status'),
    },
    { subscribe: (bindings) => connection.subscribe(bindings), unsubscribe: (bindings) => connection.unsubscribe(bindings) },
  );

  $('connect-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    connection.connect({ generation: generation(), url: url.value.trim(), token: token.value.trim(), account: account.value.trim() });
  });
  $('disconnect').addEventListener('click', () => connection.disconnect());

  const demo = new EH.DemoPanel(
    { panel: $('demo-panel'), notice: $('demo-notice'), simulate: $('simulate-call'), status: $('simulate-status') },
    {
      credentials: () => ({ token: token.value.trim(), account: account.value.trim() }),
      prefill: (demoToken, demoAccount) => {
        if (!token.value) token.value = demoToken;
        if (!account.value) account.value = demoAccount;
      },
    },
  );

  showState('disconnected', '');
  // For tests and the screenshot script: resolves once the page knows whether demo mode is on.
  EH.ready = demo.ready;
  EH.connection = connection;
})();

// Owns the raw WebSocket client generation (KAZOO 4.x, Monster UI): envelopes as JSON text frames.
// Implements the common client interface; knows nothing of subscriptions, reconnects or the page.
(function () {
  'use strict';
  const EH = window.EH;
  EH.clients = EH.clients || {};

  /**
   * The common client interface, shared by every file in js/clients/:
   * open(url, {onOpen, onClose(reason), onEnvelope(obj), onFrame(direction, text)}) → {send(envelope), close()}.
   * @example const c = EH.clients.websocket.open('ws://localhost:5555/', handlers); c.send({ action: 'ping', … });
   */
  EH.clients.websocket = {
    id: 'websocket',
    hint: 'Raw WebSocket, JSON envelope per frame: how KAZOO 4.x and Monster UI connect.',
    defaultUrl: (loc) => `${loc.protocol === 'https:' ? 'wss' : 'ws'}://${loc.host}/`,
    open(url, handlers) {
      let socket;
      try {
        socket = new WebSocket(url);
      } catch (err) {
        setTimeout(() => handlers.onClose(err.message), 0);
        return { send() {}, close() {} };
      }
      socket.onopen = () => handlers.onOpen();
      socket.onclose = (ev) => handlers.onClose(`closed with code ${ev.code}${ev.reason ? ` (${ev.reason})` : ''}`);
      socket.onmessage = (ev) => {
        const text = typeof ev.data === 'string' ? ev.data : '[binary frame]';
        handlers.onFrame('in', text);
        let parsed;
        try {
          parsed = JSON.parse(text);
        } catch {
          return;
        }
        handlers.onEnvelope(parsed);
      };
      return {
        send(envelope) {
          const text = JSON.stringify(envelope);
          handlers.onFrame('out', text);
          socket.send(text);
        },
        close() {
          socket.onclose = null;
          socket.close(1000, 'closed by the page');
        },
      };
    },
  };
})();

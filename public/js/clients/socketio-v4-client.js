// Owns the Socket.IO v4 generation: client from /socket.io/socket.io.js, envelopes out as emit('message')
// and back on 'message'. Common client interface; knows nothing of subscriptions, reconnects or the page.
(function () {
  'use strict';
  const EH = window.EH;
  const ENGINE_TYPES = { open: 0, close: 1, ping: 2, pong: 3, message: 4, upgrade: 5, noop: 6 };

  /** The Engine.IO packet as it travels on the wire, e.g. `42["message",{…}]`. */
  function wire(packet) {
    const data = packet.data === undefined ? '' : typeof packet.data === 'string' ? packet.data : '[binary]';
    return `${ENGINE_TYPES[packet.type] ?? packet.type}${data}`;
  }

  EH.clients['socketio-v4'] = {
    id: 'socketio-v4',
    hint: 'socket.io-client 4, served by this bridge at /socket.io/socket.io.js; v2/v3 (EIO3) clients work too.',
    defaultUrl: (loc) => loc.origin,
    open(url, handlers) {
      let socket;
      let closed = false;
      EH.loadLibrary('/socket.io/socket.io.js').then(
        (io) => {
          if (closed) return;
          socket = io(url, { transports: ['websocket'], reconnection: false, forceNew: true, timeout: 5000 });
          const engine = socket.io.engine;
          engine.on('packetCreate', (p) => handlers.onFrame('out', wire(p)));
          engine.on('packet', (p) => handlers.onFrame('in', wire(p)));
          socket.on('connect', () => handlers.onOpen());
          socket.on('connect_error', (err) => handlers.onClose(err.message));
          socket.on('disconnect', (reason) => handlers.onClose(reason));
          socket.on('message', (envelope) => handlers.onEnvelope(envelope));
        },
        (err) => handlers.onClose(err.message),
      );
      return {
        send(envelope) {
          if (socket) socket.emit('message', envelope);
        },
        close() {
          closed = true;
          if (socket) socket.disconnect();
        },
      };
    },
  };
})();

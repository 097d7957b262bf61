// Owns the Socket.IO 0.9 generation (KAZOO 3.x pages): client 0.9.6 from /vendor/, emit('subscribe', {…}) as
// KAZOO 3.x did. Common client interface; knows nothing of subscriptions, reconnects or the page.
(function () {
  'use strict';
  const EH = window.EH;
  const LEGACY_ACTIONS = new Set(['subscribe', 'unsubscribe']);
  let hooked = false;

  /** Reports every protocol-1 frame of a socket to its `ehFrame` callback (packets as on the wire). */
  function hookFrames(io) {
    if (hooked) return;
    hooked = true;
    const report = (transport, direction, text) => {
      if (transport.socket && transport.socket.ehFrame) transport.socket.ehFrame(direction, text);
    };
    const proto = io.Transport.prototype;
    const onData = proto.onData;
    const packet = proto.packet;
    proto.onData = function (data) {
      if (data !== '') report(this, 'in', String(data));
      return onData.apply(this, arguments);
    };
    proto.packet = function (p) {
      report(this, 'out', io.parser.encodePacket(p));
      return packet.apply(this, arguments);
    };
    // xhr-polling sends buffered packets as one framed body without going through packet().
    const xhr = io.Transport.XHR && io.Transport.XHR.prototype;
    if (xhr && xhr.payload) {
      const payload = xhr.payload;
      xhr.payload = function (packets) {
        report(this, 'out', io.parser.encodePayload(packets.map((p) => io.parser.encodePacket(p))));
        return payload.apply(this, arguments);
      };
    }
  }

  EH.clients['socketio-09'] = {
    id: 'socketio-09',
    hint: 'socket.io-client 0.9.6 (protocol 1), served at /vendor/socket.io-0.9.6.js: how KAZOO 3.x pages connect.',
    defaultUrl: (loc) => loc.origin,
    open(url, handlers) {
      let socket;
      let closed = false;
      EH.loadLibrary('/vendor/socket.io-0.9.6.js').then(
        (io) => {
          if (closed) return;
          hookFrames(io);
          socket = io.connect(url, { 'force new connection': true, reconnect: false, 'connect timeout': 5000, 'sync disconnect on unload': false });
          socket.socket.ehFrame = handlers.onFrame;
          socket.on('connect', () => handlers.onOpen());
          socket.on('disconnect', (reason) => handlers.onClose(`disconnected${reason ? ` (${reason})` : ''}`));
          socket.on('connect_failed', () => handlers.onClose('could not connect'));
          socket.on('error', (err) => {
            // KAZOO 3.x servers also emit an `error` event ({message}) for a refused command: the
            // reply on `message` reports it; only a failure to connect ends the connection.
            if (err && typeof err === 'object') return;
            if (!socket.socket.connected) handlers.onClose(`error${err ? `: ${err}` : ''}`);
          });
          socket.on('message', (envelope) => {
            if (typeof envelope === 'string') {
              try {
                envelope = JSON.parse(envelope);
              } catch {
                return;
              }
            }
            handlers.onEnvelope(envelope);
          });
        },
        (err) => handlers.onClose(err.message),
      );
      return {
        /** Subscribe and unsubscribe go out flattened, as KAZOO 3.x pages sent them; returns 'legacy' then. */
        send(envelope) {
          if (!socket) return undefined;
          if (LEGACY_ACTIONS.has(envelope.action)) {
            socket.emit(envelope.action, Object.assign({ auth_token: envelope.auth_token }, envelope.data));
            return 'legacy';
          }
          socket.emit('message', envelope);
          return undefined;
        },
        close() {
          closed = true;
          if (socket) {
            socket.socket.ehFrame = null;
            socket.disconnect();
          }
        },
      };
    },
  };
})();

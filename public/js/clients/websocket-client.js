// Describes the raw WebSocket generation (KAZOO 4.x, Monster UI) for the connection panel: its hint and
// default URL. The connection itself is the client library's (js/library-connection.js).
(function () {
  'use strict';
  const EH = window.EH;
  EH.clients = EH.clients || {};

  EH.clients.websocket = {
    id: 'websocket',
    hint: 'Raw WebSocket, JSON envelope per frame: how KAZOO 4.x and Monster UI connect (through this repository\'s client library).',
    defaultUrl: (loc) => `${loc.protocol === 'https:' ? 'wss' : 'ws'}://${loc.host}/`,
  };
})();

// Owns loading a client library on demand and taking the global it defines (`io`) without clobbering
// the one another library set: Socket.IO v4 and 0.9 both define `window.io`. Knows nothing of protocols.
(function () {
  'use strict';
  const EH = window.EH;
  const loaded = new Map();
  let queue = Promise.resolve();

  function inject(src) {
    return new Promise((resolve, reject) => {
      const previous = window.io;
      const script = document.createElement('script');
      script.src = src;
      script.onload = () => {
        const lib = window.io;
        if (previous === undefined) delete window.io;
        else window.io = previous;
        if (!lib) reject(new Error(`${src} did not define io`));
        else resolve(lib);
      };
      script.onerror = () => reject(new Error(`could not load ${src}`));
      document.head.append(script);
    });
  }

  /**
   * Loads `src` once and resolves with the `io` it defined; loads run one after another.
   * @example EH.loadLibrary('/socket.io/socket.io.js').then((io) => io(url))
   */
  EH.loadLibrary = function (src) {
    if (!loaded.has(src)) {
      const next = queue.then(() => inject(src));
      queue = next.catch(() => undefined);
      loaded.set(src, next);
      next.catch(() => loaded.delete(src));
    }
    return loaded.get(src);
  };
})();

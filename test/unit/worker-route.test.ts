// Where the primary sends a connection, from its request head: a session's own worker by the `wN_`
// prefix of its sid (Engine.IO query, 0.9 path), the primary for /metrics and /readyz, the worker a
// browser's affinity cookie names, any worker else.
import { affinityCookie, requestHead, routeOf, sidPrefix } from '../../src/workers/route';
import { workerCount } from '../../src/workers/worker-count';

describe('routeOf', () => {
  it.each([
    ['GET /socket.io/?EIO=4&transport=polling&sid=w1_Abc-_x HTTP/1.1', { to: 'worker', index: 1 }],
    ['POST /socket.io/?EIO=3&transport=polling&t=x&sid=w12_q HTTP/1.1', { to: 'worker', index: 12 }],
    ['GET /socket.io/?EIO=4&transport=websocket&sid=w0_q HTTP/1.1', { to: 'worker', index: 0 }],
    ['GET /socket.io/1/xhr-polling/w3_AbC?t=1 HTTP/1.1', { to: 'worker', index: 3 }],
    ['GET /socket.io/1/jsonp-polling/w2_AbC?t=1&i=0 HTTP/1.1', { to: 'worker', index: 2 }],
    ['GET /socket.io/1/websocket/w1_AbC HTTP/1.1', { to: 'worker', index: 1 }],
    ['GET /socket.io/?EIO=4&transport=polling&t=x HTTP/1.1', { to: 'any' }],
    ['GET /socket.io/1/?t=123 HTTP/1.1', { to: 'any' }],
    ['GET / HTTP/1.1', { to: 'any' }],
    ['GET /metrics HTTP/1.1', { to: 'primary' }],
    ['GET /readyz?x=1 HTTP/1.1', { to: 'primary' }],
    ['GET /healthz HTTP/1.1', { to: 'any' }],
    ['garbage', { to: 'any' }],
  ])('%s', (line, route) => {
    expect(routeOf(line)).toEqual(route);
  });

  it('reads the request head only once it arrived in full', () => {
    expect(requestHead(Buffer.from('GET /socket.io/?sid=w1'))).toBeUndefined();
    expect(requestHead(Buffer.from('GET /a HTTP/1.1\r\nHost: x\r\n'))).toBeUndefined();
    expect(requestHead(Buffer.from('GET /a HTTP/1.1\r\nHost: x\r\n\r\nbody'))).toBe('GET /a HTTP/1.1\r\nHost: x');
  });

  it.each([
    ['Cookie: eh_worker=2', { to: 'worker', index: 2 }],
    ['cookie: theme=dark; eh_worker=11; lang=en', { to: 'worker', index: 11 }],
    ['COOKIE:eh_worker=0', { to: 'worker', index: 0 }],
    ['Cookie: my_eh_worker=3', { to: 'any' }],
    ['Cookie: eh_worker=3x', { to: 'any' }],
    ['X-Cookie: eh_worker=3', { to: 'any' }],
    ['Referer: http://x/?eh_worker=3', { to: 'any' }],
  ])('a new connection with %s', (header, route) => {
    expect(routeOf(`GET / HTTP/1.1\r\nHost: x\r\n${header}\r\nUpgrade: websocket`)).toEqual(route);
  });

  it('lets the sid win over the cookie (a session lives where it started)', () => {
    expect(routeOf('GET /socket.io/?EIO=4&transport=websocket&sid=w0_q HTTP/1.1\r\nCookie: eh_worker=1')).toEqual({ to: 'worker', index: 0 });
  });

  it("routes a worker's own cookie back to it", () => {
    const value = affinityCookie(5).split(';')[0]!;
    expect(routeOf(`GET / HTTP/1.1\r\nCookie: ${value}`)).toEqual({ to: 'worker', index: 5 });
    expect(affinityCookie(5)).toMatch(/; HttpOnly; SameSite=Lax$/);
  });

  it('pins what the prefix says', () => {
    expect(routeOf(`GET /socket.io/?EIO=4&transport=polling&sid=${sidPrefix(7)}abc HTTP/1.1`)).toEqual({ to: 'worker', index: 7 });
  });
});

describe('workerCount', () => {
  it('0 means one per core, but one with built-in TLS; other values as given', () => {
    expect(workerCount({ workers: 0 }, 16)).toBe(16);
    expect(workerCount({ workers: 0, tlsCert: '/c.pem' }, 16)).toBe(1);
    expect(workerCount({ workers: 1 }, 16)).toBe(1);
    expect(workerCount({ workers: 3 }, 2)).toBe(3);
  });
});

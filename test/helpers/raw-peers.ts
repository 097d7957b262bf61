// Raw peers of every transport (no client library: exactly the frames a hostile client writes), each
// counting the envelope replies it receives; for fuzz cases whose texts no client library could encode.
import WebSocket from 'ws';
import { handshake, rawHttp } from './legacy-raw';
import { pollUntil } from './wait';

/** One connection: sends an envelope text its transport's way, counts the replies it got. */
export interface RawPeer {
  send(envelope: string, i: number): Promise<void> | void;
  replies(): number;
  close(): void;
}

async function wsPeer(url: string, ready: (frames: string[], socket: WebSocket) => Promise<void>, isReply: (frame: string) => boolean, frame: (envelope: string, i: number) => string): Promise<RawPeer> {
  const socket = new WebSocket(url);
  const frames: string[] = [];
  let replies = 0;
  socket.on('message', (d) => {
    const text = d.toString();
    if (isReply(text)) replies++;
    else frames.push(text);
    if (text === '2') socket.send('3'); // Engine.IO 4 heartbeat
  });
  socket.on('error', () => undefined);
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  await ready(frames, socket);
  return { send: (envelope, i) => socket.send(frame(envelope, i)), replies: () => replies, close: () => socket.close() };
}

const until = (frames: string[], what: string, pred: (f: string) => boolean) => pollUntil(what, () => (frames.some(pred) ? true : undefined), 5000);

/**
 * The five ways into a node, each written frame by frame as a hostile peer would: raw WebSocket, Engine.IO 4 and 3 (objects and texts on `message`), 0.9 websocket and xhr-polling.
 * @example const peers = await rawPeers(server.url); peers['websocket']!.send(text, 0);
 */
export async function rawPeers(base: string): Promise<Record<string, RawPeer>> {
  const ws = base.replace(/^http/, 'ws');
  const engineReply = (f: string) => f.startsWith('42["message",{"action":"reply"');
  const engineFrame = (envelope: string, i: number) => (i % 2 === 0 ? `42["message",${envelope}]` : `42["message",${JSON.stringify(envelope)}]`);
  const legacyReply = (f: string) => f.startsWith('5:::{"name":"message","args":[{"action":"reply"');
  const legacyFrame = (envelope: string, i: number) => [`3:::${envelope}`, `4:::${envelope}`, `5:::{"name":"message","args":[${envelope}]}`][i % 3]!;
  const peers: Record<string, RawPeer> = {
    websocket: await wsPeer(`${ws}/`, async () => undefined, (f) => f.startsWith('{"action":"reply"'), (e) => e),
    'socket.io v4': await wsPeer(`${ws}/socket.io/?EIO=4&transport=websocket`, async (frames, socket) => {
      await until(frames, 'the EIO4 open', (f) => f.startsWith('0{'));
      socket.send('40');
      await until(frames, 'the Socket.IO connect', (f) => f.startsWith('40'));
    }, engineReply, engineFrame),
    'socket.io EIO3': await wsPeer(`${ws}/socket.io/?EIO=3&transport=websocket`, async (frames) => void (await until(frames, 'the EIO3 connect', (f) => f === '40')), engineReply, engineFrame),
    'socket.io 0.9 websocket': await wsPeer(`${ws}/socket.io/1/websocket/${await handshake(base)}`, async (frames) => void (await until(frames, 'the 0.9 connect', (f) => f === '1::')), legacyReply, legacyFrame),
  };
  // 0.9 xhr-polling: POSTs in, a poll loop counting the replies in each answered GET.
  const poll = `${base}/socket.io/1/xhr-polling/${await handshake(base)}`;
  let replies = 0;
  let polling = true;
  void (async () => {
    while (polling) {
      const body = (await rawHttp(poll).catch(() => ({ body: '' }))).body;
      replies += body.split(/\ufffd\d+\ufffd/).filter(legacyReply).length;
      if (body === '7:::1+0') return;
    }
  })();
  peers['socket.io 0.9 xhr-polling'] = {
    send: async (envelope, i) => void (await rawHttp(poll, { method: 'POST', body: legacyFrame(envelope, i) })),
    replies: () => replies,
    close: () => {
      polling = false;
      void rawHttp(`${poll}?disconnect`).catch(() => undefined);
    },
  };
  return peers;
}

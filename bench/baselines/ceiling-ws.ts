// The ceiling baseline: the least work any AMQP→WebSocket bridge can do. One JSON.parse per event
// to find its account, then one pre-built WebSocket frame written as-is to every member. Entry point.
// Knows nothing of Event Horizon; it speaks the subscribe/unsubscribe envelope subset the harness sends.
import http from 'node:http';
import type { Socket } from 'node:net';
import { WebSocketServer, WebSocket } from 'ws';
import { guardChild, tellParent } from '../lib/child-guard';
import { AmqpSource, accountOf, argOf } from './amqp-source';

guardChild('ceiling-ws');

const rooms = new Map<string, Set<WebSocket>>();
/** The raw TCP socket under each WebSocket: the ceiling writes frames itself, skipping ws's sender. */
const rawSockets = new Map<WebSocket, Socket>();

/** A complete unmasked text frame (FIN + opcode 1) around `payload`. */
function textFrame(payload: Buffer): Buffer {
  const n = payload.length;
  const header = n < 126 ? Buffer.from([0x81, n]) : n < 65536 ? Buffer.from([0x81, 126, n >> 8, n & 255]) : Buffer.alloc(10);
  if (n >= 65536) {
    header[0] = 0x81;
    header[1] = 127;
    header.writeBigUInt64BE(BigInt(n), 2);
  }
  return Buffer.concat([header, payload]);
}

function onEvent(content: Buffer): void {
  let payload: Record<string, unknown>;
  try {
    payload = JSON.parse(content.toString('utf8')) as Record<string, unknown>;
  } catch {
    return;
  }
  const members = rooms.get(accountOf(payload) ?? '');
  if (!members) return;
  const frame = textFrame(content);
  for (const ws of members) rawSockets.get(ws)?.write(frame);
}

async function main(): Promise<void> {
  const source = await AmqpSource.open(argOf('amqp-url', 'amqp://guest:guest@127.0.0.1:5672'), onEvent);
  const server = http.createServer((_req, res) => res.end('ceiling'));
  const wss = new WebSocketServer({ server, perMessageDeflate: false });
  wss.on('connection', (ws) => {
    rawSockets.set(ws, (ws as unknown as { _socket: Socket })._socket);
    const held = new Map<string, { account: string; key: string }>();
    ws.on('message', (data: Buffer) => {
      const msg = JSON.parse(data.toString('utf8')) as { action: string; request_id: string; data: { account_id: string; binding: string } };
      const id = `${msg.data.account_id}/${msg.data.binding}`;
      const reply = () => ws.send(JSON.stringify({ action: 'reply', request_id: msg.request_id, status: 'success' }));
      if (msg.action === 'subscribe' && !held.has(id)) {
        held.set(id, { account: msg.data.account_id, key: msg.data.binding });
        let set = rooms.get(msg.data.account_id);
        if (!set) rooms.set(msg.data.account_id, (set = new Set()));
        set.add(ws);
        void source.acquire(msg.data.binding).then(reply);
      } else if (msg.action === 'unsubscribe' && held.delete(id)) {
        rooms.get(msg.data.account_id)?.delete(ws);
        source.release(msg.data.binding);
        reply();
      } else reply();
    });
    ws.on('close', () => {
      rawSockets.delete(ws);
      for (const { account, key } of held.values()) {
        rooms.get(account)?.delete(ws);
        source.release(key);
      }
    });
  });
  server.listen(Number(argOf('port', '0')), '127.0.0.1', () => tellParent({ type: 'listening' }));
  process.on('SIGTERM', () => void source.close().then(() => process.exit(0)));
}

void main();

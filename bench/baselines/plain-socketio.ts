// The plain Socket.IO v4 baseline: what a team would write in an afternoon. Consume AMQP, JSON.parse
// each event, `io.to(account).emit("message", payload)`. Entry point; knows nothing of Event Horizon.
import http from 'node:http';
import { Server } from 'socket.io';
import { guardChild, tellParent } from '../lib/child-guard';
import { AmqpSource, accountOf, argOf } from './amqp-source';

guardChild('plain-socketio');

interface SubscribeRequest {
  account_id: string;
  binding: string;
}
type Ack = (reply: { status: string }) => void;

async function main(): Promise<void> {
  const server = http.createServer();
  const io = new Server(server, { perMessageDeflate: false });
  const source = await AmqpSource.open(argOf('amqp-url', 'amqp://guest:guest@127.0.0.1:5672'), (content) => {
    let payload: Record<string, unknown>;
    try {
      payload = JSON.parse(content.toString('utf8')) as Record<string, unknown>;
    } catch {
      return;
    }
    const account = accountOf(payload);
    if (account) io.to(account).emit('message', payload);
  });
  io.on('connection', (socket) => {
    const held = new Set<string>();
    socket.on('subscribe', (req: SubscribeRequest, ack?: Ack) => {
      const id = `${req.account_id}/${req.binding}`;
      if (held.has(id)) return ack?.({ status: 'success' });
      held.add(id);
      void socket.join(req.account_id);
      void source.acquire(req.binding).then(() => ack?.({ status: 'success' }));
    });
    socket.on('unsubscribe', (req: SubscribeRequest, ack?: Ack) => {
      if (held.delete(`${req.account_id}/${req.binding}`)) {
        void socket.leave(req.account_id);
        source.release(req.binding);
      }
      ack?.({ status: 'success' });
    });
    socket.on('disconnect', () => {
      for (const id of held) source.release(id.slice(id.indexOf('/') + 1));
    });
  });
  server.listen(Number(argOf('port', '0')), '127.0.0.1', () => tellParent({ type: 'listening' }));
  process.on('SIGTERM', () => void source.close().then(() => process.exit(0)));
}

void main();

// A Socket.IO v4 client that reconnects quickly and tallies one call's events as it receives them,
// the named event and `message` apart (sequence numbers in arrival order), for recovery tests that count
// what was lost and what came twice.
import { io as ioV4, Socket } from 'socket.io-client';

export interface CallTallyV4 {
  socket: Socket;
  /** `Seq` of every CHANNEL_CREATE of the call, as received. */
  named: number[];
  /** `seq` of every `message` event envelope of the call, as received. */
  messages: number[];
}

/**
 * Connects over WebSocket (reconnecting after 100-200 ms), `extraHeaders` on every request.
 * @example const { socket, named, messages } = await callTallyV4(url, callId); closers.push(() => socket.close());
 */
export async function callTallyV4(url: string, callId: string, extraHeaders?: Record<string, string>): Promise<CallTallyV4> {
  const socket = ioV4(url, { transports: ['websocket'], forceNew: true, reconnectionDelay: 100, reconnectionDelayMax: 200, ...(extraHeaders ? { extraHeaders } : {}) });
  const named: number[] = [];
  const messages: number[] = [];
  socket.on('CHANNEL_CREATE', (p: { Seq: number; 'Call-ID': string }) => p['Call-ID'] === callId && named.push(p.Seq));
  socket.on('message', (m: { action?: string; data?: { call_id?: string; seq: number } }) => m.action === 'event' && m.data?.call_id === callId && messages.push(m.data.seq));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  return { socket, named, messages };
}

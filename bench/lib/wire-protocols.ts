// Owns what each client generation says on the wire, reduced to what a load generator needs:
// handshake, subscribe/unsubscribe frames and their acknowledgements, keep-alives, which frames are events.
// Knows nothing about scenarios or servers' internals; see lean-client.ts for the socket handling.

/** What one simulated client subscribes to, in every system's terms. */
export interface SubscriptionSpec {
  accountId: string;
  /** KAZOO client binding, e.g. `call.CHANNEL_CREATE.*`. */
  binding: string;
  /** The AMQP routing key a broker-side subscriber (Web-STOMP) binds instead. */
  routingKey: string;
}

export interface HelloStep {
  send: string[];
  until: (frame: string) => boolean;
}

export interface WireProtocol {
  readonly name: string;
  /** WebSocket URL for a server at `base` (`http://127.0.0.1:PORT`). */
  url(base: string, sessionId?: string): string;
  readonly subprotocols?: string[];
  /** Handshake steps after the socket opens: frames to send, then the frame that ends the step. */
  hello?(): HelloStep[];
  subscribe(spec: SubscriptionSpec, token: string, ref: number): { send: string; ack: (frame: string) => boolean };
  unsubscribe(spec: SubscriptionSpec, token: string, ref: number): { send: string; ack: (frame: string) => boolean };
  /** A keep-alive the server expects answered; returns the answer. */
  keepAlive?(frame: Buffer): string | undefined;
  /** Whether a frame is the one event delivery counted per client (not a named duplicate). */
  isEvent(frame: Buffer): boolean;
  /** Frame sent before closing, if the protocol has one. */
  goodbye?(ref: number): string;
}

const TS_KEY = Buffer.from('"bench_sent_us":');
const SEQ_KEY = Buffer.from('"bench_seq":');

/** Reads the unsigned integer right after `key` in a frame, or -1. */
function intAfter(frame: Buffer, key: Buffer): number {
  const at = frame.indexOf(key);
  if (at < 0) return -1;
  let n = 0;
  for (let i = at + key.length; i < frame.length; i++) {
    const c = frame[i]!;
    if (c < 48 || c > 57) break;
    n = n * 10 + (c - 48);
  }
  return n;
}

/** The publish timestamp (µs, monotonic) and sequence number stamped into an event by the publisher. */
export function stampOf(frame: Buffer): { sentUs: number; seq: number } {
  return { sentUs: intAfter(frame, TS_KEY), seq: intAfter(frame, SEQ_KEY) };
}

const startsWith = (frame: Buffer, prefix: Buffer) => frame.length >= prefix.length && frame.compare(prefix, 0, prefix.length, 0, prefix.length) === 0;

function envelope(action: 'subscribe' | 'unsubscribe', spec: SubscriptionSpec, token: string, ref: number): string {
  return JSON.stringify({ action, auth_token: token, request_id: `b${ref}`, data: { account_id: spec.accountId, binding: spec.binding } });
}

const replyTo = (ref: number) => (frame: string) => frame.includes(`"request_id":"b${ref}"`);

/** KAZOO 4.x raw WebSocket envelopes (Event Horizon at `/`, and the ceiling, which speaks the same subset). */
export const envelopeProtocol: WireProtocol = {
  name: 'ws-envelope',
  url: (base) => base.replace(/^http/, 'ws') + '/',
  subscribe: (spec, token, ref) => ({ send: envelope('subscribe', spec, token, ref), ack: replyTo(ref) }),
  unsubscribe: (spec, token, ref) => ({ send: envelope('unsubscribe', spec, token, ref), ack: replyTo(ref) }),
  isEvent: (frame) => frame.indexOf(TS_KEY) >= 0,
};

const SIO_MESSAGE = Buffer.from('42["message"');

/** Socket.IO v4 over Engine.IO 4 WebSocket: legacy `emit("subscribe", …, ack)`, events on `message`. */
export const socketIoV4Protocol: WireProtocol = {
  name: 'socket.io-v4',
  url: (base) => base.replace(/^http/, 'ws') + '/socket.io/?EIO=4&transport=websocket',
  hello: () => [
    { send: [], until: (frame) => frame.startsWith('0{') },
    { send: ['40'], until: (frame) => frame.startsWith('40') },
  ],
  subscribe: (spec, token, ref) => ({
    send: `42${ref}${JSON.stringify(['subscribe', { account_id: spec.accountId, auth_token: token, binding: spec.binding }])}`,
    ack: (frame) => frame.startsWith(`43${ref}[`),
  }),
  unsubscribe: (spec, token, ref) => ({
    send: `42${ref}${JSON.stringify(['unsubscribe', { account_id: spec.accountId, auth_token: token, binding: spec.binding }])}`,
    ack: (frame) => frame.startsWith(`43${ref}[`),
  }),
  keepAlive: (frame) => (frame.length === 1 && frame[0] === 0x32 ? '3' : undefined),
  isEvent: (frame) => startsWith(frame, SIO_MESSAGE) && frame.indexOf(TS_KEY) >= 0,
};

const SIO09_MESSAGE = Buffer.from('5:::{"name":"message"');

/** Socket.IO 0.9 (protocol 1) over its WebSocket transport at `/socket.io/1/websocket/{sid}`. */
export const socketIo09Protocol: WireProtocol = {
  name: 'socket.io-0.9',
  url: (base, sid) => base.replace(/^http/, 'ws') + `/socket.io/1/websocket/${sid ?? ''}`,
  hello: () => [{ send: [], until: (frame) => frame.startsWith('1::') }],
  subscribe: (spec, token, ref) => ({
    send: `5:${ref}+::${JSON.stringify({ name: 'subscribe', args: [{ account_id: spec.accountId, auth_token: token, binding: spec.binding }] })}`,
    ack: (frame) => frame.startsWith(`6:::${ref}`),
  }),
  unsubscribe: (spec, token, ref) => ({
    send: `5:${ref}+::${JSON.stringify({ name: 'unsubscribe', args: [{ account_id: spec.accountId, auth_token: token, binding: spec.binding }] })}`,
    ack: (frame) => frame.startsWith(`6:::${ref}`),
  }),
  keepAlive: (frame) => (frame.length === 3 && frame.toString() === '2::' ? '2::' : undefined),
  isEvent: (frame) => startsWith(frame, SIO09_MESSAGE) && frame.indexOf(TS_KEY) >= 0,
};

const STOMP_MESSAGE = Buffer.from('MESSAGE');
const stompFrame = (command: string, headers: Record<string, string>) =>
  `${command}\n${Object.entries(headers).map(([k, v]) => `${k}:${v}`).join('\n')}\n\n\0`;

/** STOMP 1.2 over WebSocket against RabbitMQ Web-STOMP; each subscription is a broker queue bound to the key. */
export function stompProtocol(vhost: string): WireProtocol {
  const receipt = (ref: number) => (frame: string) => {
    if (frame.startsWith('ERROR')) throw new Error(`STOMP error: ${frame.slice(0, 200)}`);
    return frame.startsWith('RECEIPT') && frame.includes(`receipt-id:r${ref}\n`);
  };
  return {
    name: 'web-stomp',
    url: () => 'ws://127.0.0.1:15674/ws',
    subprotocols: ['v12.stomp'],
    hello: () => [
      {
        send: [stompFrame('CONNECT', { 'accept-version': '1.2', host: vhost, login: 'guest', passcode: 'guest', 'heart-beat': '0,0' })],
        until: (frame) => {
          if (frame.startsWith('ERROR')) throw new Error(`STOMP error: ${frame.slice(0, 200)}`);
          return frame.startsWith('CONNECTED');
        },
      },
    ],
    subscribe: (spec, _token, ref) => ({
      send: stompFrame('SUBSCRIBE', { id: `s-${spec.routingKey}`, destination: `/exchange/callevt/${spec.routingKey}`, ack: 'auto', receipt: `r${ref}` }),
      ack: receipt(ref),
    }),
    unsubscribe: (spec, _token, ref) => ({ send: stompFrame('UNSUBSCRIBE', { id: `s-${spec.routingKey}`, receipt: `r${ref}` }), ack: receipt(ref) }),
    isEvent: (frame) => startsWith(frame, STOMP_MESSAGE),
    goodbye: () => stompFrame('DISCONNECT', {}),
  };
}

export type ProtocolName = 'ws-envelope' | 'socket.io-v4' | 'socket.io-0.9' | 'web-stomp';

export function protocolByName(name: ProtocolName, vhost: string): WireProtocol {
  switch (name) {
    case 'ws-envelope':
      return envelopeProtocol;
    case 'socket.io-v4':
      return socketIoV4Protocol;
    case 'socket.io-0.9':
      return socketIo09Protocol;
    case 'web-stomp':
      return stompProtocol(vhost);
  }
}

// Owns the socket.io 0.9 (protocol revision 1) wire format: packets `type:id[+]:endpoint[:data]` and
// polling payloads framed `\ufffd{len}\ufffd{packet}` with lengths in UTF-16 units. Pure: no I/O, no sessions.

/**
 * Packet type names, by their wire number (index).
 * @example PACKET_TYPES[5] // 'event'
 */
export const PACKET_TYPES = ['disconnect', 'connect', 'heartbeat', 'message', 'json', 'event', 'ack', 'error', 'noop'] as const;
export type PacketType = (typeof PACKET_TYPES)[number];

/** Error reasons and advice, by wire index (`7:::1+0` = client not handshaken, reconnect). */
export const ERROR_REASONS = ['transport not supported', 'client not handshaken', 'unauthorized'] as const;
export const ERROR_ADVICE = ['reconnect'] as const;
export type ErrorReason = (typeof ERROR_REASONS)[number];
export type ErrorAdvice = (typeof ERROR_ADVICE)[number];

/** Fields every packet has: an optional message id (`ack: true` when the sender wants data back) and the endpoint. */
interface PacketBase {
  id?: string;
  ack?: boolean;
  endpoint: string;
}

/**
 * One decoded packet.
 * @example const hb: Packet = { type: 'heartbeat', endpoint: '' };
 */
export type Packet =
  | (PacketBase & { type: 'disconnect' | 'connect' | 'heartbeat' | 'noop' })
  | (PacketBase & { type: 'message'; data: string })
  | (PacketBase & { type: 'json'; data: unknown })
  | (PacketBase & { type: 'event'; name: string; args: unknown[] })
  | (PacketBase & { type: 'ack'; ackId: string; args: unknown[] })
  | (PacketBase & { type: 'error'; reason?: ErrorReason; advice?: ErrorAdvice });

/** A decoded packet, or why the text is not one. */
export type DecodeResult = { ok: true; packet: Packet } | { ok: false; error: string };
/** The packets of a polling body, or why the framing is broken. */
export type PayloadResult = { ok: true; packets: string[] } | { ok: false; error: string };

/** The frame delimiter of multi-packet polling payloads. */
export const FRAME_MARK = '\ufffd';

function dataOf(packet: Packet): string | undefined {
  switch (packet.type) {
    case 'message':
      return packet.data;
    case 'json':
      return JSON.stringify(packet.data);
    case 'event':
      return JSON.stringify(packet.args.length > 0 ? { name: packet.name, args: packet.args } : { name: packet.name });
    case 'ack':
      return packet.args.length > 0 ? `${packet.ackId}+${JSON.stringify(packet.args)}` : packet.ackId;
    case 'error': {
      const reason = packet.reason === undefined ? '' : String(ERROR_REASONS.indexOf(packet.reason));
      const advice = packet.advice === undefined ? '' : String(ERROR_ADVICE.indexOf(packet.advice));
      return advice === '' ? reason : `${reason}+${advice}`;
    }
    default:
      return undefined;
  }
}

/**
 * Encodes one packet exactly as the 0.9 parser does (the data part is left out when there is none).
 * @example encodePacket({ type: 'event', endpoint: '', name: 'CHANNEL_CREATE', args: [{ a: 1 }] }) // '5:::{"name":"CHANNEL_CREATE","args":[{"a":1}]}'
 */
export function encodePacket(packet: Packet): string {
  const id = packet.id === undefined ? '' : packet.id + (packet.ack ? '+' : '');
  const head = `${PACKET_TYPES.indexOf(packet.type)}:${id}:${packet.endpoint}`;
  const data = dataOf(packet);
  return data === undefined ? head : `${head}:${data}`;
}

// type : id [+] : endpoint [: data]; the endpoint cannot hold a colon, the data can hold anything.
const PACKET_SHAPE = /^([^:]{1,10}):([0-9]{1,15})?(\+)?:([^:]*)(?::([\s\S]*))?$/;
const ACK_DATA = /^([0-9]+)(\+)?([\s\S]*)$/;

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

function decodeBody(base: PacketBase, type: PacketType, data: string | undefined): DecodeResult {
  switch (type) {
    case 'message':
      return { ok: true, packet: { ...base, type, data: data ?? '' } };
    case 'json': {
      const parsed = parseJson(data ?? '');
      return parsed.ok ? { ok: true, packet: { ...base, type, data: parsed.value } } : { ok: false, error: 'json packet data is not valid JSON' };
    }
    case 'event': {
      const parsed = parseJson(data ?? '');
      if (!parsed.ok) return { ok: false, error: 'event packet data is not valid JSON' };
      const value = parsed.value as { name?: unknown; args?: unknown } | null;
      if (value === null || typeof value !== 'object' || typeof value.name !== 'string') return { ok: false, error: 'event packet data must be {"name": "…", "args": […]}' };
      if (value.args !== undefined && !Array.isArray(value.args)) return { ok: false, error: 'event packet "args" must be an array' };
      return { ok: true, packet: { ...base, type, name: value.name, args: (value.args as unknown[] | undefined) ?? [] } };
    }
    case 'ack': {
      const match = ACK_DATA.exec(data ?? '');
      if (!match) return { ok: false, error: 'ack packet data must start with the acknowledged id' };
      if (!match[2]) return match[3] === '' ? { ok: true, packet: { ...base, type, ackId: match[1]!, args: [] } } : { ok: false, error: 'ack packet data is malformed' };
      const parsed = parseJson(match[3]!);
      if (!parsed.ok || !Array.isArray(parsed.value)) return { ok: false, error: 'ack packet arguments must be a JSON array' };
      return { ok: true, packet: { ...base, type, ackId: match[1]!, args: parsed.value } };
    }
    case 'error': {
      const [reason, advice] = (data ?? '').split('+');
      const packet: Extract<Packet, { type: 'error' }> = { ...base, type };
      const r = ERROR_REASONS[Number(reason)];
      const a = ERROR_ADVICE[Number(advice)];
      if (reason !== '' && r) packet.reason = r;
      if (advice !== undefined && a) packet.advice = a;
      return { ok: true, packet };
    }
    default:
      return { ok: true, packet: { ...base, type } };
  }
}

/**
 * Decodes one packet; malformed input and unknown types come back as an error value, never a throw.
 * @example decodePacket('5:1+::{"name":"subscribe","args":[{}]}') // { ok: true, packet: { type: 'event', id: '1', ack: true, … } }
 */
export function decodePacket(text: string): DecodeResult {
  const match = PACKET_SHAPE.exec(text);
  if (!match) return { ok: false, error: 'not a socket.io 0.9 packet (expected type:id:endpoint:data)' };
  const typeIndex = /^[0-9]$/.test(match[1]!) ? Number(match[1]) : -1;
  const type = PACKET_TYPES[typeIndex];
  if (!type) return { ok: false, error: `unknown socket.io 0.9 packet type ${JSON.stringify(match[1]!.slice(0, 20))}` };
  const base: PacketBase = { endpoint: match[4] ?? '' };
  if (match[2] !== undefined) base.id = match[2];
  if (match[3] !== undefined) base.ack = true;
  return decodeBody(base, type, match[5]);
}

/**
 * Joins encoded packets into one polling body: one packet as is, several framed with their UTF-16 lengths.
 * @example encodePayload(['1::', '2::']) // '\ufffd3\ufffd1::\ufffd3\ufffd2::'
 */
export function encodePayload(packets: readonly string[]): string {
  if (packets.length === 1) return packets[0]!;
  let body = '';
  for (const packet of packets) body += FRAME_MARK + packet.length + FRAME_MARK + packet;
  return body;
}

/**
 * Splits a polling body into encoded packets; an unframed body is one packet.
 * @example decodePayload('\ufffd3\ufffd2::\ufffd3\ufffd8::') // { ok: true, packets: ['2::', '8::'] }
 */
export function decodePayload(body: string): PayloadResult {
  if (body[0] !== FRAME_MARK) return { ok: true, packets: body === '' ? [] : [body] };
  const packets: string[] = [];
  let i = 0;
  while (i < body.length) {
    if (body[i] !== FRAME_MARK) return { ok: false, error: `framed payload: expected \\ufffd at ${i}` };
    const end = body.indexOf(FRAME_MARK, i + 1);
    const digits = end < 0 ? '' : body.slice(i + 1, end);
    if (!/^[0-9]{1,9}$/.test(digits)) return { ok: false, error: `framed payload: bad length at ${i}` };
    const length = Number(digits);
    if (end + 1 + length > body.length) return { ok: false, error: `framed payload: length ${length} runs past the end` };
    packets.push(body.slice(end + 1, end + 1 + length));
    i = end + 1 + length;
  }
  return { ok: true, packets };
}

/**
 * A server → client named event.
 * @example encodePacket(eventPacket('CHANNEL_CREATE', [payload]))
 */
export function eventPacket(name: string, args: unknown[]): Packet {
  return { type: 'event', endpoint: '', name, args };
}

/**
 * Well-known server packets, pre-encoded.
 * @example ws.send(WirePacket.notHandshaken) // '7:::1+0'
 */
export const WirePacket = {
  connect: '1::',
  /** `disconnect`: the client considers itself kicked and does not reconnect. */
  disconnect: '0::',
  heartbeat: '2::',
  noop: '8::',
  /** `client not handshaken`, advice `reconnect`: the client re-handshakes. */
  notHandshaken: encodePacket({ type: 'error', endpoint: '', reason: 'client not handshaken', advice: 'reconnect' }),
} as const;

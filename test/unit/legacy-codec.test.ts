// The socket.io 0.9 codec and URL reader as specifications: packets, framing with UTF-16 lengths,
// malformed input as error values, and agreement with the real 0.9.16 client's own parser.
import fc from 'fast-check';
import { decodePacket, decodePayload, encodePacket, encodePayload, Packet, WirePacket } from '../../src/transports/legacy/codec';
import { jsonpIndex, parseLegacyUrl, unsupportedTransportText } from '../../src/transports/legacy/legacy-url';
import { handshakeLine } from '../../src/transports/legacy/handshake';
import { scriptString } from '../../src/transports/legacy/http-replies';

// The 0.9.16 client's parser, as the browser and Node clients run it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const clientParser = (require('socket.io-client-09') as { parser: ClientParser }).parser;
interface ClientParser {
  encodePacket(packet: Record<string, unknown>): string;
  decodePacket(text: string): Record<string, unknown>;
  encodePayload(packets: string[]): string;
  decodePayload(body: string): Array<Record<string, unknown>>;
}

describe('encodePacket', () => {
  it.each<[Packet, string]>([
    [{ type: 'disconnect', endpoint: '' }, '0::'],
    [{ type: 'connect', endpoint: '' }, '1::'],
    [{ type: 'heartbeat', endpoint: '' }, '2::'],
    [{ type: 'noop', endpoint: '' }, '8::'],
    [{ type: 'message', endpoint: '', data: 'a:b' }, '3:::a:b'],
    [{ type: 'json', endpoint: '', data: { a: 1 } }, '4:::{"a":1}'],
    [{ type: 'event', endpoint: '', name: 'CHANNEL_CREATE', args: [{ x: 1 }] }, '5:::{"name":"CHANNEL_CREATE","args":[{"x":1}]}'],
    [{ type: 'event', endpoint: '', name: 'ping', args: [] }, '5:::{"name":"ping"}'],
    [{ type: 'event', endpoint: '', id: '7', ack: true, name: 'q', args: [1] }, '5:7+::{"name":"q","args":[1]}'],
    [{ type: 'ack', endpoint: '', ackId: '1', args: [{ ok: true }] }, '6:::1+[{"ok":true}]'],
    [{ type: 'ack', endpoint: '', ackId: '4', args: [] }, '6:::4'],
    [{ type: 'error', endpoint: '', reason: 'client not handshaken', advice: 'reconnect' }, '7:::1+0'],
    [{ type: 'error', endpoint: '/chat', reason: 'unauthorized' }, '7::/chat:2'],
  ])('%j → %s', (packet, wire) => {
    expect(encodePacket(packet)).toBe(wire);
  });

  it('pre-encodes the packets the server sends on its own', () => {
    expect(WirePacket).toEqual({ connect: '1::', disconnect: '0::', heartbeat: '2::', noop: '8::', notHandshaken: '7:::1+0' });
  });

  it('writes what the 0.9.16 client parser writes', () => {
    const event = { type: 'event', name: 'CHANNEL_CREATE', args: [{ 'Call-ID': 'x' }], endpoint: '' };
    expect(encodePacket({ type: 'event', endpoint: '', name: 'CHANNEL_CREATE', args: [{ 'Call-ID': 'x' }] })).toBe(clientParser.encodePacket(event));
    expect(encodePacket({ type: 'ack', endpoint: '', ackId: '3', args: ['a'] })).toBe(clientParser.encodePacket({ type: 'ack', ackId: '3', args: ['a'], endpoint: '' }));
  });
});

describe('decodePacket', () => {
  it('reads an emit with a callback: id, ack flag, name and args', () => {
    expect(decodePacket('5:1+::{"name":"subscribe","args":[{"binding":"call.*.*"}]}')).toEqual({
      ok: true,
      packet: { type: 'event', id: '1', ack: true, endpoint: '', name: 'subscribe', args: [{ binding: 'call.*.*' }] },
    });
  });

  it('defaults missing event args to []', () => {
    expect(decodePacket('5:::{"name":"x"}')).toMatchObject({ ok: true, packet: { name: 'x', args: [] } });
  });

  it('keeps colons and newlines in message data, and an empty message', () => {
    expect(decodePacket('3:::a:b\nc')).toMatchObject({ ok: true, packet: { type: 'message', data: 'a:b\nc' } });
    expect(decodePacket('3::')).toMatchObject({ ok: true, packet: { type: 'message', data: '' } });
  });

  it('reads heartbeats, disconnects, namespace connects and acks', () => {
    expect(decodePacket('2::')).toEqual({ ok: true, packet: { type: 'heartbeat', endpoint: '' } });
    expect(decodePacket('0::')).toEqual({ ok: true, packet: { type: 'disconnect', endpoint: '' } });
    expect(decodePacket('1::/chat')).toEqual({ ok: true, packet: { type: 'connect', endpoint: '/chat' } });
    expect(decodePacket('6:::12+["a"]')).toEqual({ ok: true, packet: { type: 'ack', endpoint: '', ackId: '12', args: ['a'] } });
    expect(decodePacket('7:::1+0')).toEqual({ ok: true, packet: { type: 'error', endpoint: '', reason: 'client not handshaken', advice: 'reconnect' } });
  });

  it.each([
    ['', 'not a socket.io 0.9 packet'],
    ['hello', 'not a socket.io 0.9 packet'],
    ['9::', 'unknown socket.io 0.9 packet type "9"'],
    ['x::', 'unknown socket.io 0.9 packet type "x"'],
    ['12::', 'unknown socket.io 0.9 packet type "12"'],
    ['5:::{not json', 'event packet data is not valid JSON'],
    ['5:::[1,2]', 'event packet data must be'],
    ['5:::{"name":1}', 'event packet data must be'],
    ['5:::{"name":"x","args":{}}', 'event packet "args" must be an array'],
    ['4:::{', 'json packet data is not valid JSON'],
    ['6:::abc', 'ack packet data must start with the acknowledged id'],
    ['6:::1+{}', 'ack packet arguments must be a JSON array'],
  ])('refuses %j with an error value', (text, error) => {
    const result = decodePacket(text);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toContain(error);
  });

  it('never throws, whatever the input', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => {
      const result = decodePacket(text);
      return typeof result.ok === 'boolean';
    }));
  });

  it('reads back every event it encodes', () => {
    fc.assert(fc.property(fc.string({ minLength: 1, unit: 'grapheme' }), fc.array(fc.jsonValue()), (name, args) => {
      const packet: Packet = { type: 'event', endpoint: '', name, args: JSON.parse(JSON.stringify(args)) as unknown[] };
      expect(decodePacket(encodePacket(packet))).toEqual({ ok: true, packet });
    }));
  });
});

describe('payload framing', () => {
  it('leaves a single packet unframed and frames several with their lengths', () => {
    expect(encodePayload(['1::'])).toBe('1::');
    expect(encodePayload(['1::', '2::'])).toBe('\ufffd3\ufffd1::\ufffd3\ufffd2::');
  });

  it('counts UTF-16 code units, not bytes or code points', () => {
    const packet = '5:::{"name":"CHANNEL_CREATE","args":[{"Call-ID":"abc","txt":"héllo €😀"}]}';
    expect(packet.length).toBe(74);
    expect(encodePayload([packet, '8::'])).toBe(`\ufffd74\ufffd${packet}\ufffd3\ufffd8::`);
    expect(decodePayload(encodePayload([packet, '8::']))).toEqual({ ok: true, packets: [packet, '8::'] });
  });

  it('agrees with the 0.9.16 client in both directions', () => {
    const packets = ['1::', '5:::{"name":"x","args":["😀 ü \ufffd"]}', '2::'];
    expect(encodePayload(packets)).toBe(clientParser.encodePayload(packets));
    const ours = decodePayload(clientParser.encodePayload(packets));
    expect(ours).toEqual({ ok: true, packets });
    expect(clientParser.decodePayload(encodePayload(packets)).map((p) => p['type'])).toEqual(['connect', 'event', 'heartbeat']);
  });

  it('round-trips any list of packets', () => {
    fc.assert(fc.property(fc.array(fc.string({ unit: 'binary' }).map((s) => `3:::${s}`), { minLength: 1, maxLength: 8 }), (packets) => {
      expect(decodePayload(encodePayload(packets))).toEqual({ ok: true, packets });
    }));
  });

  it.each([
    ['\ufffd', 'bad length'],
    ['\ufffdx\ufffd1::', 'bad length'],
    ['\ufffd10\ufffd1::', 'runs past the end'],
    ['\ufffd3\ufffd1::garbage', 'expected \\ufffd'],
    ['\ufffd9999999999\ufffd', 'bad length'],
  ])('refuses the malformed frame %j', (body, error) => {
    const result = decodePayload(body);
    expect(!result.ok && result.error).toContain(error);
  });

  it('treats an empty body as no packets', () => {
    expect(decodePayload('')).toEqual({ ok: true, packets: [] });
  });
});

describe('0.9 URLs', () => {
  it('recognizes the handshake with its cache buster and JSONP index', () => {
    const r = parseLegacyUrl('/socket.io/1/?t=1700000000000&jsonp=2');
    expect(r.kind).toBe('handshake');
    expect(r.kind === 'handshake' && jsonpIndex(r.query, 'jsonp')).toBe(2);
    expect(parseLegacyUrl('/socket.io/1').kind).toBe('handshake');
  });

  it('reads transport and sid', () => {
    expect(parseLegacyUrl('/socket.io/1/xhr-polling/abc_-9?t=1')).toMatchObject({ kind: 'transport', transport: 'xhr-polling', sid: 'abc_-9' });
    expect(parseLegacyUrl('/socket.io/1/websocket/abc')).toMatchObject({ kind: 'transport', transport: 'websocket', sid: 'abc' });
    expect(parseLegacyUrl('/socket.io/1//abc/?disconnect=1')).toMatchObject({ kind: 'disconnect', sid: 'abc' });
  });

  it('refuses htmlfile and flashsocket by name, and nonsense as invalid', () => {
    expect(parseLegacyUrl('/socket.io/1/htmlfile/abc')).toMatchObject({ kind: 'unsupported', transport: 'htmlfile' });
    expect(unsupportedTransportText('flashsocket')).toBe('transport not supported: flashsocket; this server offers websocket, xhr-polling, jsonp-polling');
    expect(parseLegacyUrl('/socket.io/1/a/b/c/d').kind).toBe('invalid');
    expect(parseLegacyUrl('/socket.io/1/xhr-polling/a:b').kind).toBe('invalid');
  });

  it('accepts only numeric JSONP callbacks (no script injection)', () => {
    expect(jsonpIndex(new URLSearchParams('jsonp=alert(1)'), 'jsonp')).toBeUndefined();
    expect(jsonpIndex(new URLSearchParams('i=0'), 'i')).toBe(0);
    expect(scriptString('a\u2028b</script>')).toBe('"a\\u2028b</script>"');
  });

  it('writes the handshake line in seconds', () => {
    const line = handshakeLine('sid1', { heartbeatIntervalMs: 25000, heartbeatTimeoutMs: 60000, closeTimeoutMs: 60000, pollTimeoutMs: 20000 });
    expect(line).toBe('sid1:60:60:websocket,xhr-polling,jsonp-polling');
  });
});

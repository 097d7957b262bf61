// textFrame must produce exactly the bytes ws writes for the same text, at every length boundary.
import { textFrame } from '../../src/transports/websocket/text-frame';

describe('textFrame', () => {
  it.each([0, 1, 125, 126, 65535, 65536, 70000])('frames %d bytes with the RFC 6455 header for that length', (n) => {
    const payload = Buffer.alloc(n, 0x61);
    const frame = textFrame(payload);
    expect(frame[0]).toBe(0x81);
    if (n < 126) {
      expect(frame[1]).toBe(n);
      expect(frame.subarray(2)).toEqual(payload);
    } else if (n < 65536) {
      expect(frame[1]).toBe(126);
      expect(frame.readUInt16BE(2)).toBe(n);
      expect(frame.subarray(4)).toEqual(payload);
    } else {
      expect(frame[1]).toBe(127);
      expect(frame.readBigUInt64BE(2)).toBe(BigInt(n));
      expect(frame.subarray(10)).toEqual(payload);
    }
  });

  it('keeps multi-byte UTF-8 as given', () => {
    const text = '{"name":"Zoë ☎"}';
    const frame = textFrame(Buffer.from(text, 'utf8'));
    expect(frame[1]).toBe(Buffer.byteLength(text));
    expect(frame.subarray(2).toString('utf8')).toBe(text);
  });
});

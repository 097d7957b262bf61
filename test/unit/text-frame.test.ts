// textFrame must produce exactly the bytes ws writes for the same text, at every length boundary.
import { SharedText, textFrame, textFrames } from '../../src/transports/websocket/text-frame';

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

describe('textFrames', () => {
  it.each([0, 1, 125, 126, 65535, 65536, 70000])('frames a %d-byte text from the string exactly as textFrame frames its bytes', (n) => {
    const text = 'é'.repeat(Math.floor(n / 2)) + 'a'.repeat(n % 2);
    expect(textFrames([text])).toEqual(textFrame(Buffer.from(text, 'utf8')));
  });

  it('puts several texts back to back, one frame each, in order', () => {
    const texts = ['42["CHANNEL_CREATE",{"Call-ID":"☎"}]', '', 'x'.repeat(300), '42["message",{"action":"event"}]'];
    const expected = Buffer.concat(texts.map((t) => textFrame(Buffer.from(t, 'utf8'))));
    expect(textFrames(texts)).toEqual(expected);
  });
});

describe('SharedText.frameWith', () => {
  it('is the two frames back to back, built once for the same pair and again for another', () => {
    const named = new SharedText('5:::{"name":"CHANNEL_CREATE","args":[{}]}');
    const a = new SharedText('5:::{"name":"message","args":[{"n":1}]}');
    const b = new SharedText('5:::{"name":"message","args":[{"n":2}]}');
    const first = named.frameWith(a);
    expect(first).toEqual(Buffer.concat([named.frame, a.frame]));
    expect(named.frameWith(a)).toBe(first);
    expect(named.frameWith(b)).toEqual(Buffer.concat([named.frame, b.frame]));
  });
});

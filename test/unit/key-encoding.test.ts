import { decodeKeyPart, encodeKeyPart } from '../../src/bindings/key-encoding';

describe('KAZOO routing-key part encoding', () => {
  it.each([
    ['abc@host.example.com', 'abc%40host%2Eexample%2Ecom'],
    ['with space', 'with+space'],
    ['safe-_~AZaz09', 'safe-_~AZaz09'],
    ['a/b', 'a%2Fb'],
    ['é', '%C3%A9'],
    ['*', '*'],
    ['#', '#'],
    ['', ''],
  ])('encodes %j as %j', (raw, encoded) => {
    expect(encodeKeyPart(raw)).toBe(encoded);
  });

  it('decodes what it encodes, including multi-byte characters', () => {
    for (const raw of ['abc@host.example.com', 'with space', 'héllo €😀', 'a%b']) {
      expect(decodeKeyPart(encodeKeyPart(raw))).toBe(raw);
    }
  });

  it('keeps malformed escapes as they are', () => {
    expect(decodeKeyPart('50%zz')).toBe('50%zz');
  });
});

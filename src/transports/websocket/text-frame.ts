// Owns building one complete, unmasked WebSocket text frame (RFC 6455 §5.2) from UTF-8 bytes, so an
// event fanned out to many clients is framed once and written as-is. Pure; knows nothing about sockets.

/**
 * A final (FIN) text frame around `utf8`, as a server sends it: no mask, no extensions.
 * @example textFrame(Buffer.from('hi')) // <Buffer 81 02 68 69>
 */
export function textFrame(utf8: Buffer): Buffer {
  const n = utf8.length;
  const headerLength = n < 126 ? 2 : n < 65536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(headerLength + n);
  frame[0] = 0x81; // FIN + opcode 1 (text)
  if (n < 126) {
    frame[1] = n;
  } else if (n < 65536) {
    frame[1] = 126;
    frame.writeUInt16BE(n, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(n), 2);
  }
  utf8.copy(frame, headerLength);
  return frame;
}

/**
 * A text sent to many websocket clients: framed on first use, then written as-is to each of them.
 * @example const shared = new SharedText('5:::{"name":"message","args":[…]}'); socket.write(shared.frame);
 */
export class SharedText {
  private cachedFrame?: Buffer;

  constructor(readonly text: string) {}

  get frame(): Buffer {
    this.cachedFrame ??= textFrame(Buffer.from(this.text, 'utf8'));
    return this.cachedFrame;
  }
}

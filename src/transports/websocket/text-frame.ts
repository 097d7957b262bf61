// Owns building complete, unmasked WebSocket text frames (RFC 6455 §5.2), so an event fanned out to
// many clients is framed once and written as-is. Frames are encoded straight from the text into one
// buffer (no intermediate UTF-8 copy). Pure; knows nothing about sockets.

const headerLengthOf = (n: number) => (n < 126 ? 2 : n < 65536 ? 4 : 10);

/** Writes a final (FIN) text frame's header for an `n`-byte payload at `at`; returns where the payload starts. */
function writeHeader(frame: Buffer, at: number, n: number): number {
  frame[at] = 0x81; // FIN + opcode 1 (text)
  if (n < 126) {
    frame[at + 1] = n;
    return at + 2;
  }
  if (n < 65536) {
    frame[at + 1] = 126;
    frame.writeUInt16BE(n, at + 2);
    return at + 4;
  }
  frame[at + 1] = 127;
  frame.writeBigUInt64BE(BigInt(n), at + 2);
  return at + 10;
}

/**
 * A final (FIN) text frame around `utf8`, as a server sends it: no mask, no extensions.
 * @example textFrame(Buffer.from('hi')) // <Buffer 81 02 68 69>
 */
export function textFrame(utf8: Buffer): Buffer {
  const n = utf8.length;
  const frame = Buffer.allocUnsafe(headerLengthOf(n) + n);
  utf8.copy(frame, writeHeader(frame, 0, n));
  return frame;
}

/**
 * The text frames of `texts`, back to back in one buffer (one frame each, in order), each encoded
 * once from its string: what several `textFrame(Buffer.from(text))` concatenated would be.
 * @example textFrames(['hi', 'yo']) // <Buffer 81 02 68 69 81 02 79 6f>
 */
export function textFrames(texts: readonly string[]): Buffer {
  const lengths = texts.map((t) => Buffer.byteLength(t, 'utf8'));
  let total = 0;
  for (const n of lengths) total += headerLengthOf(n) + n;
  const frames = Buffer.allocUnsafe(total);
  let at = 0;
  for (let i = 0; i < texts.length; i++) {
    const n = lengths[i]!;
    at = writeHeader(frames, at, n);
    at += frames.write(texts[i]!, at, n, 'utf8');
  }
  return frames;
}

/**
 * A text sent to many websocket clients: framed on first use, then written as-is to each of them.
 * @example const shared = new SharedText('5:::{"name":"message","args":[…]}'); socket.write(shared.frame);
 */
export class SharedText {
  private cachedFrame?: Buffer;
  private joined?: { next: SharedText; frame: Buffer };

  constructor(readonly text: string) {}

  get frame(): Buffer {
    this.cachedFrame ??= textFrames([this.text]);
    return this.cachedFrame;
  }

  /**
   * This text's frame followed by `next`'s, in one buffer (one chunk for the socket, not two), built
   * once for every client that gets the same pair: the last pair asked is kept.
   * @example named.frameWith(message) // the bytes of Buffer.concat([named.frame, message.frame])
   */
  frameWith(next: SharedText): Buffer {
    if (this.joined?.next !== next) this.joined = { next, frame: textFrames([this.text, next.text]) };
    return this.joined.frame;
  }

}

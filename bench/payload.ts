// Counts a payload of one repeated byte between START and END markers in a
// terminal stream, and hashes every byte received. The shell command prints
// the markers with split quotes (ST''ART) so that the echo of the typed
// command line never matches them.
import { createHash } from 'node:crypto';

const START = Buffer.from('START');
const END = Buffer.from('END');

export function payloadCommand(bytes: number, char: string, rest = 'exit'): string {
  return `printf 'ST''ART'; head -c ${bytes} /dev/zero | tr '\\0' ${char}; printf 'EN''D'${rest ? `; ${rest}` : ''}\r`;
}

const SAME = new Map<number, Buffer>();

/** Frames of the payload are all one byte: a native compare settles most of them. */
function countByte(buf: Buffer, byte: number, end = buf.length): number {
  let same = SAME.get(byte);
  if (!same || same.length < end) SAME.set(byte, (same = Buffer.alloc(Math.max(end, 1 << 20), byte)));
  if (buf.subarray(0, end).equals(same.subarray(0, end))) return end;
  let n = 0;
  for (let i = 0; i < end; i++) if (buf[i] === byte) n++;
  return n;
}

export class PayloadCounter {
  private readonly hash = createHash('sha256');
  private readonly byte: number;
  private pre = Buffer.alloc(0);
  private tail = Buffer.alloc(0);
  private phase: 'pre' | 'payload' | 'post' = 'pre';
  received = 0;
  payload = 0;
  firstPayloadAt = 0;
  readonly done: Promise<void>;
  private resolve!: () => void;

  constructor(char: string) {
    this.byte = char.charCodeAt(0);
    this.done = new Promise((r) => (this.resolve = r));
  }

  feed(buf: Buffer): void {
    this.hash.update(buf);
    this.received += buf.length;
    if (this.phase === 'pre') {
      this.pre = Buffer.concat([this.pre, buf]);
      const at = this.pre.indexOf(START);
      if (at < 0) return;
      this.phase = 'payload';
      this.firstPayloadAt = performance.now();
      const rest = this.pre.subarray(at + START.length);
      this.pre = Buffer.alloc(0);
      this.payloadPart(rest);
    } else if (this.phase === 'payload') {
      this.payloadPart(buf);
    }
  }

  private payloadPart(buf: Buffer): void {
    const joined = Buffer.concat([this.tail, buf.subarray(0, END.length)]);
    const split = joined.indexOf(END);
    const at = split >= 0 && split < this.tail.length ? 0 : buf.indexOf(END);
    if (at >= 0) {
      this.payload += countByte(buf, this.byte, at);
      this.phase = 'post';
      this.resolve();
      return;
    }
    this.payload += countByte(buf, this.byte);
    this.tail = Buffer.from(buf.subarray(Math.max(0, buf.length - END.length)));
  }

  get sha256(): string {
    return this.hash.copy().digest('hex');
  }
}

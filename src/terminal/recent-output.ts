// The last bytes of a session's committed output, for a browser that
// re-attaches (a reloaded page repaints from them). They are copied into one
// buffer of this session's own, which grows to at most `max` bytes and is then
// reused as a ring: holding the chunks themselves kept every chunk (and the
// larger buffers they are views of) alive long after it had left the window,
// at 500 streaming sessions ~200 MB of a 10 s burst of output. The ring is
// allocated outside Node's shared 8 KiB pool: a small buffer kept for the
// session's life would keep a whole pool slab alive (8 KiB an idle session).
const EMPTY = Buffer.alloc(0);
const FIRST = 1024;

export class RecentOutput {
  private buf: Buffer = EMPTY;
  /** Where the oldest kept byte is, and how many are kept. */
  private start = 0;
  private size = 0;

  constructor(private readonly max: number) {}

  get length(): number {
    return this.size;
  }

  push(data: Buffer): void {
    if (data.length === 0) return;
    if (data.length >= this.max) {
      if (this.buf.length < this.max) this.buf = Buffer.allocUnsafeSlow(this.max);
      data.copy(this.buf, 0, data.length - this.max);
      this.start = 0;
      this.size = this.max;
      return;
    }
    const need = this.size + data.length;
    if (need > this.buf.length && this.buf.length < this.max) this.grow(Math.min(this.max, Math.max(need, this.buf.length * 2, FIRST)));
    const cap = this.buf.length;
    // Write after the newest byte, wrapping around; what overflows drops the oldest bytes.
    let at = (this.start + this.size) % cap;
    let from = 0;
    while (from < data.length) {
      const n = Math.min(data.length - from, cap - at);
      data.copy(this.buf, at, from, from + n);
      from += n;
      at = (at + n) % cap;
    }
    if (need > cap) this.start = (this.start + need - cap) % cap;
    this.size = Math.min(need, cap);
  }

  /**
   * A copy of the kept bytes in order (the socket may still be sending it when
   * the ring is written again), starting at a character boundary: a UTF-8
   * character cut at the start is left out.
   */
  contents(): Buffer {
    const raw = this.ordered();
    let skip = 0;
    while (skip < raw.length && skip < 3 && (raw[skip]! & 0xc0) === 0x80) skip++;
    return Buffer.from(raw.subarray(skip));
  }

  private grow(capacity: number): void {
    const next = Buffer.allocUnsafeSlow(capacity);
    this.ordered().copy(next, 0);
    this.buf = next;
    this.start = 0;
  }

  /** The kept bytes in order: a view when they do not wrap around, else a copy. */
  private ordered(): Buffer {
    const first = Math.min(this.size, this.buf.length - this.start);
    if (first === this.size) return this.buf.subarray(this.start, this.start + this.size);
    return Buffer.concat([this.buf.subarray(this.start, this.start + first), this.buf.subarray(0, this.size - first)]);
  }
}

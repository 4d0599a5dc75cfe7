// Pure text extraction for search across sessions: recorded bytes of one
// direction become lines of text. Output: escape sequences removed, a
// carriage return starts the line over (progress bars keep their last state).
// Input: what was typed up to Enter, with backspace and Ctrl-U applied.
// A line not yet ended is carried (as raw bytes) to the next chunks.

const MAX_LINE = 1000;
const MAX_CARRY = 8192;
const EMPTY = Buffer.alloc(0);
const ESCAPE = /\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|P[^\x1b]*\x1b\\|[@-Z\\-_]|[()][0-9A-Za-z]|O.)/g;

export interface TextLine {
  /** Index of the chunk (in the batch) that ended the line. */
  chunk: number;
  line: string;
}

function cleanOutput(raw: string): string {
  const text = raw.replace(ESCAPE, '');
  const last = text.replace(/\r+$/, '').split('\r').pop() ?? '';
  let out = '';
  for (const ch of last) {
    if (ch === '\b') out = out.slice(0, -1);
    else if (ch >= ' ' || ch === '\t') out += ch === '\t' ? ' ' : ch;
  }
  return out.trim().slice(0, MAX_LINE);
}

function cleanInput(raw: string): string {
  let out = '';
  const text = raw.replace(ESCAPE, '');
  for (const ch of text) {
    if (ch === '\x7f' || ch === '\b') out = out.slice(0, -1);
    else if (ch === '\x15' || ch === '\x03') out = '';
    else if (ch >= ' ' || ch === '\t') out += ch === '\t' ? ' ' : ch;
  }
  return out.trim().slice(0, MAX_LINE);
}

/**
 * The last `max` bytes of `parts` (`size` bytes in all), copied into one buffer
 * of their own, outside Node's shared 8 KiB pool: a carry lives as long as its
 * session and would keep a whole pool slab alive.
 */
function tail(parts: Buffer[], size: number, max: number): Buffer {
  const out = Buffer.allocUnsafeSlow(Math.min(size, max));
  let at = out.length;
  for (let i = parts.length - 1; i >= 0 && at > 0; i--) {
    const p = parts[i]!;
    const n = Math.min(p.length, at);
    at -= n;
    p.copy(out, at, p.length - n);
  }
  return out;
}

/**
 * Splits `carry` + the chunks into finished lines (non-empty ones) and the new
 * carry. Lines end at "\n" for output and at "\r" or "\n" for input.
 *
 * The carry is the last MAX_CARRY bytes of the line not yet ended (a line that
 * never ends, such as a spinner or a stream of bytes, is not kept growing), and
 * a line is made of the carry as it was at the start of the chunk that ends it,
 * plus that chunk's part: so the lines and the carry are the same whether the
 * chunks come one at a time or many at once (the live feed and the read-back
 * batch them differently). Pieces of the line are kept as views and copied once,
 * when the line ends or the carry is handed back, not once per chunk.
 */
export function linesOf(kind: 'i' | 'o', carry: Buffer, chunks: Buffer[], final: boolean): { lines: TextLine[]; carry: Buffer } {
  const lines: TextLine[] = [];
  let parts: Buffer[] = carry.length ? [carry] : [];
  let size = carry.length;
  const clean = kind === 'o' ? cleanOutput : cleanInput;
  // The next line end at or after `from`, found by indexOf (memchr), not a loop over every byte.
  const nextEnd =
    kind === 'o'
      ? (data: Buffer, from: number) => data.indexOf(0x0a, from)
      : (data: Buffer, from: number) => {
          const lf = data.indexOf(0x0a, from);
          const cr = data.indexOf(0x0d, from);
          return lf < 0 ? cr : cr < 0 ? lf : Math.min(lf, cr);
        };
  chunks.forEach((data, chunk) => {
    let start = 0;
    for (let i = nextEnd(data, 0); i >= 0; i = nextEnd(data, start)) {
      const piece = data.subarray(start, i);
      const raw = size ? Buffer.concat([tail(parts, size, MAX_CARRY), piece]) : piece;
      const line = clean(raw.toString('utf8'));
      if (line) lines.push({ chunk, line });
      parts = [];
      size = 0;
      start = i + 1;
    }
    if (start < data.length) {
      parts.push(data.subarray(start));
      size += data.length - start;
      // Pieces wholly before the last MAX_CARRY bytes are never read again.
      while (parts.length > 1 && size - parts[0]!.length >= MAX_CARRY) size -= parts.shift()!.length;
    }
  });
  const pending = tail(parts, size, MAX_CARRY);
  if (final) {
    const line = clean(pending.toString('utf8'));
    if (line) lines.push({ chunk: Math.max(0, chunks.length - 1), line });
    return { lines, carry: EMPTY };
  }
  return { lines, carry: pending };
}

/** A user's text as a LIKE pattern that matches it literally, anywhere in a line. */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

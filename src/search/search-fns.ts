// Pure text extraction for search across sessions: recorded bytes of one
// direction become lines of text. Output: escape sequences removed, a
// carriage return starts the line over (progress bars keep their last state).
// Input: what was typed up to Enter, with backspace and Ctrl-U applied.
// A line not yet ended is carried (as raw bytes) to the next chunks.

const MAX_LINE = 1000;
const MAX_CARRY = 8192;
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
 * Splits `carry` + the chunks into finished lines (non-empty ones) and the new
 * carry. Lines end at "\n" for output and at "\r" or "\n" for input.
 */
export function linesOf(kind: 'i' | 'o', carry: Buffer, chunks: Buffer[], final: boolean): { lines: TextLine[]; carry: Buffer } {
  const lines: TextLine[] = [];
  let pending = carry;
  const clean = kind === 'o' ? cleanOutput : cleanInput;
  const isEnd = kind === 'o' ? (b: number) => b === 0x0a : (b: number) => b === 0x0a || b === 0x0d;
  chunks.forEach((data, chunk) => {
    let start = 0;
    for (let i = 0; i < data.length; i++) {
      if (!isEnd(data[i]!)) continue;
      const line = clean(Buffer.concat([pending, data.subarray(start, i)]).toString('utf8'));
      if (line) lines.push({ chunk, line });
      pending = Buffer.alloc(0);
      start = i + 1;
    }
    pending = Buffer.concat([pending, data.subarray(start)]);
    // A line that never ends (a spinner) is not kept growing.
    if (pending.length > MAX_CARRY) pending = pending.subarray(pending.length - MAX_CARRY);
  });
  if (final) {
    const line = clean(pending.toString('utf8'));
    if (line) lines.push({ chunk: Math.max(0, chunks.length - 1), line });
    pending = Buffer.alloc(0);
  }
  return { lines, carry: pending };
}

/** A user's text as a LIKE pattern that matches it literally, anywhere in a line. */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

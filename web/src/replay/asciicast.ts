// Pure asciicast v2 handling for the player: parse, list markers, find text
// in the output. No DOM here, so it is easy to test on its own.
export type EventCode = 'o' | 'i' | 'r' | 'm';
export interface CastEvent {
  /** Milliseconds from the start. */
  t: number;
  code: EventCode;
  data: string;
}
export interface Cast {
  width: number;
  height: number;
  timestamp: number | null;
  durationMs: number;
  events: CastEvent[];
}

export class CastError extends Error {}

export function parseCast(text: string): Cast {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  if (lines.length === 0) throw new CastError('The recording is empty.');
  let header: { version?: unknown; width?: unknown; height?: unknown; timestamp?: unknown };
  try {
    header = JSON.parse(lines[0]);
  } catch {
    throw new CastError('The recording does not start with an asciicast header.');
  }
  if (header.version !== 2) throw new CastError(`Unsupported asciicast version ${String(header.version)}.`);
  const events: CastEvent[] = [];
  for (const line of lines.slice(1)) {
    let e: unknown;
    try {
      e = JSON.parse(line);
    } catch {
      continue; // a torn last line of a crashed session; the rest still plays
    }
    if (!Array.isArray(e) || typeof e[0] !== 'number' || typeof e[2] !== 'string' || !['o', 'i', 'r', 'm'].includes(e[1])) continue;
    events.push({ t: Math.round(e[0] * 1000), code: e[1] as EventCode, data: e[2] });
  }
  return {
    width: Number(header.width) || 80,
    height: Number(header.height) || 24,
    timestamp: typeof header.timestamp === 'number' ? header.timestamp : null,
    durationMs: events.length ? events[events.length - 1].t : 0,
    events,
  };
}

export function parseSize(data: string): { cols: number; rows: number } | null {
  const m = /^(\d+)x(\d+)$/.exec(data.trim());
  return m ? { cols: Number(m[1]), rows: Number(m[2]) } : null;
}

export interface Marker {
  t: number;
  kind: 'start' | 'notice' | 'resize' | 'end';
  label: string;
}

export function markersOf(cast: Cast): Marker[] {
  const list: Marker[] = [{ t: 0, kind: 'start', label: 'Start' }];
  for (const e of cast.events) {
    if (e.code === 'm') list.push({ t: e.t, kind: 'notice', label: e.data || 'Marker' });
    if (e.code === 'r') {
      // A window being dragged sends a burst of sizes: list only where it settled.
      const last = list[list.length - 1];
      if (last.kind === 'resize' && e.t - last.t < 1000) list.pop();
      list.push({ t: e.t, kind: 'resize', label: `Resize to ${e.data}` });
    }
  }
  list.push({ t: cast.durationMs, kind: 'end', label: 'End' });
  return list;
}

// CSI, OSC (ended by BEL or ST), and two-byte escapes: none of them is text on screen.
const ESCAPE = /\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_]|[()][0-9A-Za-z])/y;

/** The visible text of the output, and for each of its characters the index of the event that printed it. */
export function outputText(cast: Cast): { text: string; eventOf: number[] } {
  let raw = '';
  const starts: number[] = [];
  const owners: number[] = [];
  cast.events.forEach((e, i) => {
    if (e.code !== 'o') return;
    starts.push(raw.length);
    owners.push(i);
    raw += e.data;
  });
  const ownerAt = (pos: number) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= pos) lo = mid;
      else hi = mid - 1;
    }
    return owners[lo];
  };
  let text = '';
  const eventOf: number[] = [];
  for (let pos = 0; pos < raw.length; ) {
    if (raw[pos] === '\x1b') {
      ESCAPE.lastIndex = pos;
      if (ESCAPE.test(raw)) {
        pos = ESCAPE.lastIndex;
        continue;
      }
    }
    const ch = raw[pos];
    if (ch === '\n' || ch >= ' ' || ch === '\t') {
      text += ch === '\t' ? ' ' : ch;
      eventOf.push(ownerAt(pos));
    }
    pos += 1;
  }
  return { text, eventOf };
}

const searchable = new WeakMap<Cast, { haystack: string; eventOf: number[] }>();

/** Every place `query` appears in the output, as the event index where it was fully printed. */
export function findInOutput(cast: Cast, query: string): number[] {
  const needle = query.toLowerCase();
  if (!needle) return [];
  let index = searchable.get(cast);
  if (!index) {
    const { text, eventOf } = outputText(cast);
    index = { haystack: text.toLowerCase(), eventOf };
    searchable.set(cast, index);
  }
  const { haystack, eventOf } = index;
  const found: number[] = [];
  for (let at = haystack.indexOf(needle); at !== -1; at = haystack.indexOf(needle, at + needle.length)) {
    found.push(eventOf[at + needle.length - 1]);
  }
  return found;
}

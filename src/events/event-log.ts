// The recent changes this replica has sent to browsers, numbered, so that an
// EventSource that reconnects with Last-Event-ID gets what it missed. Ids are
// `<boot>-<seq>`: an id from another replica or an earlier run, or one too old
// to be kept, cannot be resumed, and the client is told to refetch everything.
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { ChangeKind } from './change-feed.js';

/** A change as kept: its number on this replica, and what changed (the event's data is `{kind, id}`). */
export interface LoggedChange {
  seq: number;
  kind: ChangeKind;
  id: string;
}

/** One copy of each kind's name for every entry (the feed parses a new string for each message). */
const KINDS: Record<ChangeKind, ChangeKind> = { request: 'request', host: 'host', session: 'session', replacement: 'replacement' };

export class EventLog extends EventEmitter<{ entry: [LoggedChange] }> {
  private readonly boot = randomBytes(4).toString('hex');
  private seq = 0;
  private readonly recent: LoggedChange[] = [];

  constructor(private readonly keep = 1000) {
    super();
    this.setMaxListeners(0);
  }

  /** Kept as its parts, not as the event's text: ~100 B an entry instead of ~200, and 1,000 are kept. */
  append(kind: ChangeKind, id: string): LoggedChange {
    const entry = { seq: ++this.seq, kind: KINDS[kind] ?? kind, id };
    this.recent.push(entry);
    if (this.recent.length > this.keep) this.recent.shift();
    this.emit('entry', entry);
    return entry;
  }

  /** The event's id: `<boot>-<seq>`. */
  eventId(entry: LoggedChange): string {
    return `${this.boot}-${entry.seq}`;
  }

  /** What came after `lastId`, or undefined when that cannot be known (then: refetch everything). */
  since(lastId: string): LoggedChange[] | undefined {
    const [boot, seqText] = lastId.split('-');
    const seq = Number(seqText);
    if (boot !== this.boot || !Number.isInteger(seq) || seq > this.seq) return undefined;
    const oldest = this.recent[0]?.seq ?? this.seq + 1;
    if (seq < oldest - 1) return undefined;
    return this.recent.filter((e) => e.seq > seq);
  }
}

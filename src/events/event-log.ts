// The recent changes this replica has sent to browsers, numbered, so that an
// EventSource that reconnects with Last-Event-ID gets what it missed. Ids are
// `<boot>-<seq>`: an id from another replica or an earlier run, or one too old
// to be kept, cannot be resumed, and the client is told to refetch everything.
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';

export interface LoggedChange {
  id: string;
  data: string;
}

export class EventLog extends EventEmitter<{ entry: [LoggedChange] }> {
  private readonly boot = randomBytes(4).toString('hex');
  private seq = 0;
  private readonly recent: LoggedChange[] = [];

  constructor(private readonly keep = 1000) {
    super();
    this.setMaxListeners(0);
  }

  append(data: string): LoggedChange {
    const entry = { id: `${this.boot}-${++this.seq}`, data };
    this.recent.push(entry);
    if (this.recent.length > this.keep) this.recent.shift();
    this.emit('entry', entry);
    return entry;
  }

  /** What came after `lastId`, or undefined when that cannot be known (then: refetch everything). */
  since(lastId: string): LoggedChange[] | undefined {
    const [boot, seqText] = lastId.split('-');
    const seq = Number(seqText);
    if (boot !== this.boot || !Number.isInteger(seq) || seq > this.seq) return undefined;
    const oldest = this.recent[0] ? Number(this.recent[0].id.split('-')[1]) : this.seq + 1;
    if (seq < oldest - 1) return undefined;
    return this.recent.filter((e) => Number(e.id.split('-')[1]) > seq);
  }
}

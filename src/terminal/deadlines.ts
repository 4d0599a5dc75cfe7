// One timer for the deadlines of every live session on a broker: the end of
// its time box, the warnings before it, the grace after its browser dropped,
// its idle check. Each session asks to be woken at its next deadline only; the
// clock keeps those in a min-heap and one Node timer for the earliest. A timer
// of each session's own cost ~1 KB of heap an idle session (four Timeouts,
// their closures, and a TimersList of Node's for each distinct delay, which
// time boxes nearly always have).
//
// Its time is monotonic (ms since the epoch as of the process's start, moving
// with the monotonic clock, as Node's timers do): a wall clock stepped back
// does not stretch a relative deadline (a grace, an idle timeout). Deadlines
// set at an instant of the wall clock (the end of a grant) are converted by
// the session each time it asks. A session is woken at or after the time it
// asked for, never before: a timer that fires early is set again for the rest.

export interface Sleeper {
  /** Called at or after the time asked for; the sleeper asks again for its next deadline. */
  wake(now: number): void;
}

interface Entry {
  at: number;
  who: Sleeper;
}

/** Entries for deadlines since moved that are kept before the heap is rebuilt without them (a session's grace entry goes stale when its browser attaches). */
const STALE_KEPT = 64;

/** Milliseconds since the epoch as of the process's start, moving with the monotonic clock. */
const monotonicNow = () => performance.timeOrigin + performance.now();

/** Node's timers take at most 2^31 - 1 ms; a later deadline is reached in steps. */
const LONGEST_DELAY_MS = 2 ** 31 - 1;

export class Deadlines {
  private readonly heap: Entry[] = [];
  /** Each sleeper's one current deadline; an entry in the heap for another time is stale and skipped. */
  private readonly due = new Map<Sleeper, number>();
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;

  constructor(
    /** The clock's time; monotonic unless a test gives another. */
    readonly now: () => number = monotonicNow,
  ) {}

  /** Wakes `who` at `at` (ms since the epoch) instead of whatever it asked for before; Infinity cancels, and a deadline that is not a number wakes at once (fail closed). */
  wakeAt(who: Sleeper, at: number): void {
    if (at === Infinity) return this.cancel(who);
    if (Number.isNaN(at)) at = this.now();
    if (this.due.get(who) === at) return;
    this.due.set(who, at);
    this.push({ at, who });
    if (this.heap.length > this.due.size + STALE_KEPT) this.compact();
    if (at < this.timerAt) this.arm(at);
  }

  cancel(who: Sleeper): void {
    this.due.delete(who);
    // Nobody waits: no timer keeps the process up for deadlines that no longer are.
    if (this.due.size === 0) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.timerAt = Infinity;
      this.heap.length = 0;
    }
  }

  /** Sleepers waiting (for tests and metrics). */
  get size(): number {
    return this.due.size;
  }

  private arm(at: number): void {
    clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(this.fire, Math.min(LONGEST_DELAY_MS, Math.max(0, at - this.now())));
  }

  private readonly fire = () => {
    this.timer = undefined;
    this.timerAt = Infinity;
    const now = this.now();
    const woken: Sleeper[] = [];
    while (this.heap.length > 0 && this.heap[0]!.at <= now) {
      const { at, who } = this.pop();
      if (this.due.get(who) !== at) continue;
      this.due.delete(who);
      woken.push(who);
    }
    // Stale entries at the top are dropped without a timer of their own.
    while (this.heap.length > 0 && this.due.get(this.heap[0]!.who) !== this.heap[0]!.at) this.pop();
    if (this.heap.length > 0) this.arm(this.heap[0]!.at);
    // A sleeper that throws is a broken broker, as a timer of its own throwing was: the process ends (fail closed).
    for (const who of woken) who.wake(now);
  };

  /** Rebuilds the heap from the current deadlines only (stale entries dropped). */
  private compact(): void {
    const entries = [...this.due].map(([who, at]) => ({ at, who }));
    this.heap.length = 0;
    for (const e of entries.sort((a, b) => a.at - b.at)) this.heap.push(e); // sorted is a valid heap
  }

  private push(e: Entry): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (h[parent]!.at <= e.at) break;
      h[i] = h[parent]!;
      i = parent;
    }
    h[i] = e;
  }

  private pop(): Entry {
    const h = this.heap;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= h.length) break;
        const r = l + 1;
        const c = r < h.length && h[r]!.at < h[l]!.at ? r : l;
        if (h[c]!.at >= last.at) break;
        h[i] = h[c]!;
        i = c;
      }
      h[i] = last;
    }
    return top;
  }
}

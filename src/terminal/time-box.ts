// Parts of a session's time box besides the grant window: the idle timeout.
// The watch does not re-arm a timer per keystroke: it notes the time of the
// last input and, when its timer fires, looks at how long it has been quiet.

export interface TimeBoxHooks {
  /** The environment's idle timeout in policy minutes; none when absent. */
  idleMinutes?: number | null;
  /** The grant's current end from Postgres (an extension may have moved it). */
  currentEnd?: () => Promise<Date | null>;
}

export type IdleStep = { action: 'end' } | { action: 'warn' | 'wait'; nextInMs: number };

/** What to do after `quietMs` without input, with the limit and the warning point, and whether the warning was given. */
export function idleStep(quietMs: number, limitMs: number, warnAfterMs: number, warned: boolean): IdleStep {
  if (quietMs >= limitMs) return { action: 'end' };
  if (quietMs >= warnAfterMs) return warned ? { action: 'wait', nextInMs: limitMs - quietMs } : { action: 'warn', nextInMs: limitMs - quietMs };
  return { action: 'wait', nextInMs: warnAfterMs - quietMs };
}

/** The warning comes one policy minute before the end (half-way for a one-minute timeout). */
export function idleWarnAfterMs(limitMs: number, minuteMs: number): number {
  return limitMs - Math.min(minuteMs, limitMs / 2);
}

export class IdleWatch {
  private lastInput = Date.now();
  private warned = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly limitMs: number;
  private readonly warnAfterMs: number;

  constructor(
    private readonly minutes: number,
    minuteMs: number,
    private readonly on: { warn: (text: string) => void; end: () => void },
  ) {
    this.limitMs = minutes * minuteMs;
    this.warnAfterMs = idleWarnAfterMs(this.limitMs, minuteMs);
    this.arm(this.warnAfterMs);
  }

  input(): void {
    this.lastInput = Date.now();
    this.warned = false;
  }

  dispose(): void {
    clearTimeout(this.timer);
  }

  private arm(ms: number): void {
    this.timer = setTimeout(() => this.check(), Math.max(0, ms));
  }

  private check(): void {
    const step = idleStep(Date.now() - this.lastInput, this.limitMs, this.warnAfterMs, this.warned);
    if (step.action === 'end') return this.on.end();
    if (step.action === 'warn') {
      this.warned = true;
      const left = Math.max(1, Math.round((this.limitMs - this.warnAfterMs) / (this.limitMs / this.minutes)));
      this.on.warn(
        `No input for a while: this session ends as idle in about ${left} minute(s) unless you type something (idle timeout ${this.minutes} minute(s)).`,
      );
    }
    this.arm(step.nextInMs);
  }
}

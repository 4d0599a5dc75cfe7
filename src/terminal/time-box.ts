// Parts of a session's time box besides the grant window: the idle timeout.
// The watch sets no timer per keystroke: it notes the time of the last input
// and, when the session's deadline for it comes (Deadlines), looks at how long
// it has been quiet.

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

/**
 * A session's idle timeout. It is not looked at per keystroke: input only
 * notes the time, and at `dueAt` the session asks `check` what to do.
 */
export class IdleWatch {
  private lastInput: number;
  private warned = false;
  /** When the session should ask next. */
  dueAt: number;
  private readonly limitMs: number;
  private readonly warnAfterMs: number;

  constructor(
    private readonly minutes: number,
    minuteMs: number,
    now: number,
  ) {
    this.limitMs = minutes * minuteMs;
    this.warnAfterMs = idleWarnAfterMs(this.limitMs, minuteMs);
    this.lastInput = now;
    this.dueAt = now + this.warnAfterMs;
  }

  input(now: number): void {
    this.lastInput = now;
    this.warned = false;
  }

  /** At or after `dueAt`: end the session, give a warning, or nothing yet; `dueAt` moves to the next check. */
  check(now: number): 'end' | { warning: string } | undefined {
    const step = idleStep(now - this.lastInput, this.limitMs, this.warnAfterMs, this.warned);
    if (step.action === 'end') return 'end';
    this.dueAt = now + step.nextInMs;
    if (step.action === 'wait') return undefined;
    this.warned = true;
    const left = Math.max(1, Math.round((this.limitMs - this.warnAfterMs) / (this.limitMs / this.minutes)));
    return {
      warning: `No input for a while: this session ends as idle in about ${left} minute(s) unless you type something (idle timeout ${this.minutes} minute(s)).`,
    };
  }
}

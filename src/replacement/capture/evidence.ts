// Evidence taken from a touched host before its teardown: what changed on it
// while people had a shell there. Each provider knows how to take its own
// (a file diff, volume snapshots, a pod's spec and logs).
import type { ReplaceTarget } from '../providers/provider.js';

export interface Evidence {
  /** What the items are: `file-diff`, `ebs-snapshots`, `pod`, `command-output`. */
  kind: string;
  /** Counts and facts shown in lists and in the audit trail (no file contents). */
  summary: Record<string, unknown>;
  items: unknown[];
}

/** Who touched the host: snapshots and other cloud evidence are tagged with it. */
export interface CaptureContext {
  replacementId: string;
  sessionIds: string[];
  requestIds: string[];
}

export interface Capturer {
  /** The replacement provider whose hosts this capturer knows how to read. */
  readonly provider: string;
  capture(target: ReplaceTarget, signal: AbortSignal, context?: CaptureContext): Promise<Evidence>;
}

/** What the broker does when evidence cannot be taken: keep the host (hold) or replace it anyway (proceed). */
export type CaptureFailurePolicy = 'hold' | 'proceed';

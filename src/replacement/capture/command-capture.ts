// Evidence for `command` hosts: the operator's own capture program
// (`replacement.capture.argv`), run without a shell before the replacement
// command, with the host in HOST_* variables and who touched it in
// BREAKGLASS_* ones. What it prints is the evidence, kept up to a bound (the
// rest is counted and hashed, never kept); a non-zero exit fails the capture.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { commandEnv, parseCommandReplacement } from '../providers/command.js';
import type { Capturer, Evidence } from './evidence.js';

/** Kept of each stream; beyond it the output is counted and hashed only. */
export const KEPT_BYTES = { stdout: 256 * 1024, stderr: 16 * 1024 };

export interface StreamOutput {
  stream: 'stdout' | 'stderr';
  bytes: number;
  sha256: string;
  truncated: boolean;
  /** UTF-8 text of what was kept, or `base64` when the output is not text. */
  text?: string;
  base64?: string;
}

function collector(stream: 'stdout' | 'stderr') {
  const hash = createHash('sha256');
  const kept: Buffer[] = [];
  let bytes = 0;
  return {
    add(chunk: Buffer) {
      hash.update(chunk);
      const room = KEPT_BYTES[stream] - Math.min(bytes, KEPT_BYTES[stream]);
      if (room > 0) kept.push(chunk.subarray(0, room));
      bytes += chunk.length;
    },
    done(): StreamOutput {
      const raw = Buffer.concat(kept);
      const text = raw.toString('utf8');
      const isText = !raw.includes(0) && !text.includes('\uFFFD');
      return { stream, bytes, sha256: hash.digest('hex'), truncated: bytes > raw.length, ...(isText ? { text } : { base64: raw.toString('base64') }) };
    },
  };
}

export function commandCapturer(): Capturer {
  return {
    provider: 'command',
    async capture(target, signal, context): Promise<Evidence | null> {
      const settings = parseCommandReplacement(target.host.connectorConfig.replacement);
      if (!settings.capture) return null;
      const [program, ...args] = settings.capture.argv;
      const out = collector('stdout');
      const err = collector('stderr');
      const status = await new Promise<number>((resolve, reject) => {
        const child = spawn(program!, args, {
          env: {
            ...commandEnv(target),
            BREAKGLASS_REPLACEMENT_ID: context?.replacementId ?? '',
            BREAKGLASS_SESSION_IDS: context?.sessionIds.join(',') ?? '',
            BREAKGLASS_REQUEST_IDS: context?.requestIds.join(',') ?? '',
          },
          cwd: '/',
          stdio: ['ignore', 'pipe', 'pipe'],
          signal,
          killSignal: 'SIGKILL',
        });
        child.stdout.on('data', (c: Buffer) => out.add(c));
        child.stderr.on('data', (c: Buffer) => err.add(c));
        child.on('error', (e: NodeJS.ErrnoException) =>
          reject(new Error(e.name === 'AbortError' ? 'the capture command was stopped' : `the capture command could not run (${e.code ?? e.message})`)),
        );
        child.on('close', (code, sig) => (code === null ? reject(new Error(`the capture command was killed by ${sig}`)) : resolve(code)));
      });
      const stdout = out.done();
      const stderr = err.done();
      if (status !== 0) {
        const lastLine = stderr.text?.trim().split('\n').pop()?.slice(0, 300);
        throw new Error(`the capture command ${program} exited with status ${status}${lastLine ? `: ${lastLine}` : ''}`);
      }
      return {
        kind: 'command-output',
        summary: {
          program,
          exitStatus: status,
          bytes: stdout.bytes,
          sha256: stdout.sha256,
          truncated: stdout.truncated,
          instance: target.host.instance,
        },
        items: [stdout, ...(stderr.bytes ? [stderr] : [])],
      };
    },
  };
}

// Replacement by an operator's own command (a script that asks the cloud for a
// new instance, a Terraform run, ...): the host's `replacement.argv` is run
// without a shell, with the host described in HOST_* variables. A non-zero exit
// or a timeout is a failed attempt, so the scheduler's retries and backoff apply.
import { execFile } from 'node:child_process';
import type { ReplaceTarget, ReplacementProvider } from './provider.js';

export interface CommandReplacement {
  provider: 'command';
  argv: string[];
  timeoutSeconds: number;
  /** Run before the replacement of a touched host; its output is the evidence (src/replacement/capture/command-capture.ts). */
  capture?: { argv: string[] };
}

export const DEFAULT_TIMEOUT_SECONDS = 600;
const MAX_TIMEOUT_SECONDS = 24 * 3600;
const OUTPUT_LIMIT = 1 << 20;

export class CommandConfigError extends Error {}

/** Validates `connectorConfig.replacement` for this provider. */
function parseArgv(argv: unknown, key: string): string[] {
  if (!Array.isArray(argv) || argv.length === 0 || argv.length > 64 || !argv.every((a) => typeof a === 'string' && a.length <= 4096 && !a.includes('\u0000'))) {
    throw new CommandConfigError(`${key} must be a non-empty array of at most 64 strings (the command and its arguments; no shell is involved)`);
  }
  if (!argv[0].startsWith('/')) throw new CommandConfigError(`${key}[0] must be an absolute path to the program`);
  return argv as string[];
}

function parseCapture(raw: unknown): { argv: string[] } {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new CommandConfigError('replacement.capture must be an object like {"argv":["/path/to/capture-program"]}');
  const extra = Object.keys(raw).filter((k) => k !== 'argv');
  if (extra.length) throw new CommandConfigError(`replacement.capture has no settings ${extra.join(', ')} (it takes: argv)`);
  return { argv: parseArgv((raw as { argv?: unknown }).argv, 'replacement.capture.argv') };
}

export function parseCommandReplacement(raw: unknown): CommandReplacement {
  const r = (raw ?? {}) as Record<string, unknown>;
  const extra = Object.keys(r).filter((k) => !['provider', 'argv', 'timeoutSeconds', 'capture'].includes(k));
  if (extra.length) throw new CommandConfigError(`the command provider has no settings ${extra.join(', ')} (it takes: argv, timeoutSeconds, capture)`);
  const argv = parseArgv(r.argv, 'replacement.argv');
  const timeout = r.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
  if (typeof timeout !== 'number' || !Number.isInteger(timeout) || timeout < 1 || timeout > MAX_TIMEOUT_SECONDS) {
    throw new CommandConfigError(`replacement.timeoutSeconds must be an integer from 1 to ${MAX_TIMEOUT_SECONDS}`);
  }
  return { provider: 'command', argv, timeoutSeconds: timeout, ...(r.capture !== undefined ? { capture: parseCapture(r.capture) } : {}) };
}

export function commandEnv(target: ReplaceTarget): Record<string, string> {
  const c = target.host.connectorConfig;
  const str = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');
  return {
    PATH: '/usr/local/bin:/usr/bin:/bin',
    LANG: 'C.UTF-8',
    HOST_ID: target.host.id,
    HOST_NAME: target.host.name,
    HOST_ENVIRONMENT: target.host.environment,
    HOST_INSTANCE: String(target.host.instance),
    HOST_NEXT_INSTANCE: String(target.host.instance + 1),
    HOST_ADDRESS: str(c.address),
    HOST_PORT: str(c.port),
    HOST_LOGIN: str(c.login),
    HOST_IMAGE_NAME: target.image.name,
    HOST_IMAGE_VERSION: target.image.version,
    HOST_IMAGE_SOURCE: target.image.source,
  };
}

export function commandProvider(): ReplacementProvider {
  return {
    name: 'command',
    async replace(target) {
      const { argv, timeoutSeconds } = parseCommandReplacement(target.host.connectorConfig.replacement);
      return new Promise<void>((resolve, reject) => {
        execFile(
          argv[0]!,
          argv.slice(1),
          {
            env: commandEnv(target),
            cwd: '/',
            timeout: timeoutSeconds * 1000,
            killSignal: 'SIGKILL',
            maxBuffer: OUTPUT_LIMIT,
            windowsHide: true,
          },
          (err, _stdout, stderr) => {
            if (!err) return resolve();
            const e = err as Error & { killed?: boolean; code?: number | string; signal?: string | null };
            const lastLine = String(stderr).trim().split('\n').pop()?.slice(0, 300) ?? '';
            const why = e.killed
              ? `timed out after ${timeoutSeconds} s`
              : typeof e.code === 'number'
                ? `exited with status ${e.code}`
                : e.signal
                  ? `was killed by ${e.signal}`
                  : `could not run (${String(e.code ?? e.message)})`;
            reject(new Error(`replacement command ${argv[0]} ${why}${lastLine ? `: ${lastLine}` : ''}`));
          },
        );
      });
    },
  };
}

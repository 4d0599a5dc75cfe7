import type * as nodePty from 'node-pty';

export function shellSpec(cwd: string): { file: string; args: string[]; env: Record<string, string> };
export function spawnShell(cwd: string): nodePty.IPty;

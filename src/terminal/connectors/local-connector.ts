// The demo's stand-in for a real host: a login shell whose home and working
// directory is the host's own directory under the data dir, with a scrubbed
// environment. It is a stand-in, not a sandbox: use the ssh connector for real
// hosts. A broker running as root (a container) runs these shells as `nobody`,
// never as root, and gives the host directories to that user.
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Connector, ConnectorContext, ShellCommand } from './connector.js';

export function hostDirectory(dataDir: string, hostName: string): string {
  return path.join(dataDir, 'hosts', hostName);
}

const NOBODY = 65534;

/** The user a demo shell runs as: unchanged, unless the broker is root. */
export function demoShellUser(): { uid: number; gid: number } | undefined {
  return process.getuid?.() === 0 ? { uid: NOBODY, gid: NOBODY } : undefined;
}

export function localConnector(dataDir: string): Connector {
  return {
    type: 'local',
    async prepare(ctx: ConnectorContext): Promise<ShellCommand> {
      const dir = hostDirectory(dataDir, ctx.host.name);
      if (!existsSync(dir)) throw new Error(`host directory ${dir} is missing: the host has not been built from its image`);
      const shell = existsSync('/bin/bash') ? '/bin/bash' : '/bin/sh';
      return {
        file: shell,
        args: shell.endsWith('bash') ? ['--noprofile', '--norc', '-i'] : ['-i'],
        cwd: dir,
        env: {
          HOME: dir,
          PATH: '/usr/local/bin:/usr/bin:/bin',
          TERM: 'xterm-256color',
          LANG: 'C.UTF-8',
          USER: ctx.user.username,
          PS1: `${ctx.user.username}@${ctx.host.name}:\\w\\$ `,
          BREAKGLASS_HOST: ctx.host.name,
          BREAKGLASS_SESSION: ctx.sessionId,
        },
        ...demoShellUser(),
        dispose: async () => {},
      };
    },
  };
}

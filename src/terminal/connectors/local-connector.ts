// The demo's stand-in for a real host: a login shell whose home and working
// directory is the host's own directory under the data dir, with a scrubbed
// environment, inside a bubblewrap sandbox (see ../sandbox/): its own PID,
// mount, user and network namespaces, a uid of the host's own, and nothing of
// the broker in sight. Without a sandbox a local host does not open, unless
// BREAKGLASS_UNSAFE_UNSANDBOXED_LOCAL=1 (then every session says so).
import { existsSync } from 'node:fs';
import { checkSandbox, killLeftovers, nicedCommand, sandboxCommand, sandboxNamespace, BWRAP, UNSAFE_VARIABLE } from '../sandbox/sandbox.js';
import { hostDirectory, hostOwner } from '../../hosts/local-hosts.js';
import { hostUid } from '../sandbox/sandbox-fns.js';
import type { Connector, ConnectorContext, ShellCommand } from './connector.js';

const NOBODY = 65534;

export interface LocalConnectorOptions {
  /** BREAKGLASS_UNSAFE_UNSANDBOXED_LOCAL: run shells without a sandbox where none can be made. */
  unsafeUnsandboxed?: boolean;
  /** bubblewrap's path (tests point it elsewhere to see the broker fail closed). */
  bwrap?: string;
  log?: (msg: string, extra?: object) => void;
}

export function localConnector(dataDir: string, opts: LocalConnectorOptions = {}): Connector {
  const bwrap = opts.bwrap ?? BWRAP;
  return {
    type: 'local',
    async prepare(ctx: ConnectorContext): Promise<ShellCommand> {
      const dir = hostDirectory(dataDir, ctx.host.name);
      if (!existsSync(dir)) throw new Error(`host directory ${dir} is missing: the host has not been built from its image`);
      const shell = existsSync('/bin/bash') ? '/bin/bash' : '/bin/sh';
      const shellArgs = shell.endsWith('bash') ? ['--noprofile', '--norc', '-i'] : ['-i'];
      const env = {
        HOME: dir,
        PATH: '/usr/local/bin:/usr/bin:/bin',
        TERM: 'xterm-256color',
        LANG: 'C.UTF-8',
        USER: ctx.user.username,
        PS1: `${ctx.user.username}@${ctx.host.name}:\\w\\$ `,
        BREAKGLASS_HOST: ctx.host.name,
        BREAKGLASS_SESSION: ctx.sessionId,
      };
      const sandboxError = await checkSandbox(bwrap).then(
        () => undefined,
        (err: Error) => err,
      );
      if (sandboxError) {
        if (!opts.unsafeUnsandboxed) throw sandboxError;
        const root = process.getuid?.() === 0;
        return {
          ...nicedCommand([shell, ...shellArgs]),
          cwd: dir,
          env,
          ...(root ? { uid: NOBODY, gid: NOBODY } : {}),
          warning: `UNSAFE: this shell on ${ctx.host.name} runs without a sandbox because ${UNSAFE_VARIABLE}=1 is set; it can reach the broker's secrets and other hosts.`,
          dispose: async () => {},
        };
      }
      const owner = hostOwner(ctx.host.id) ?? { uid: hostUid(ctx.host.id), gid: hostUid(ctx.host.id) };
      const { file, args } = sandboxCommand(
        {
          hostDir: dir,
          ...owner,
          network: ctx.host.connectorConfig.network === true,
          hostName: ctx.host.name,
          shell,
          shellArgs,
        },
        bwrap,
      );
      let namespace: Promise<string | undefined> = Promise.resolve(undefined);
      const { sessionId } = ctx; // the clean-up lives as long as the session: it keeps the id, not the whole context
      return {
        file,
        args,
        cwd: '/',
        env,
        started: (pid) => {
          namespace = sandboxNamespace(pid);
        },
        dispose: async () => {
          const ns = await namespace;
          const left = ns ? await killLeftovers(ns) : 0;
          if (left) opts.log?.(`session ${sessionId}: killed ${left} process(es) left in its sandbox after the end`);
        },
      };
    },
  };
}

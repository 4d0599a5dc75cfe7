// The shell every path runs: the same command and environment as the local
// connector gives a session, so that the three paths differ only in transport.
// Plain JavaScript (types in shell.d.mts): the relay (relay.mjs) runs without
// a TypeScript loader, as the broker runs compiled (scripts/build.mjs).
import * as nodePty from 'node-pty';

export function shellSpec(cwd) {
  return {
    file: '/bin/bash',
    args: ['--noprofile', '--norc', '-i'],
    env: { HOME: cwd, PATH: '/usr/local/bin:/usr/bin:/bin', TERM: 'xterm-256color', LANG: 'C.UTF-8', USER: 'alice', PS1: 'alice@bench:\\w\\$ ' },
  };
}

export function spawnShell(cwd) {
  const s = shellSpec(cwd);
  return nodePty.spawn(s.file, s.args, { name: 'xterm-256color', cols: 80, rows: 24, cwd, env: s.env, encoding: null });
}

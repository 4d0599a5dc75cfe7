// Compiles the broker (src/) to JavaScript in dist/, which `npm start` runs.
// Run by `npm install` (after the Prisma client is generated) and by
// `npm start` when a file under src/ is newer than the last build. Compiled
// JavaScript rather than tsx at run time: an idle broker holds about 100 MB
// less, starts faster, and tsx's kept function names (a `__name` call and a
// property store on every closure it creates) cost each session 2 KB.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const root = path.resolve(import.meta.dirname, '..');
export const SRC = path.join(root, 'src');
export const DIST = path.join(root, 'dist');
/** Written last: a build that stopped half way is not taken for a finished one. */
export const STAMP = path.join(DIST, '.built');

/** Every file under `dir`. */
function files(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? files(p) : [p];
  });
}

/** Whether `dist` lacks a finished build, or a file under `src` (or the build's own config) changed after it. */
export function stale(src = SRC, stamp = STAMP, also = [path.join(root, 'tsconfig.json'), path.join(root, 'tsconfig.build.json')]) {
  let built;
  try {
    built = statSync(stamp).mtimeMs;
  } catch {
    return true;
  }
  return [...files(src), ...also].some((f) => statSync(f).mtimeMs > built);
}

export function build() {
  // tsc writes its output even when it finds errors: a failed build must not leave the last stamp standing.
  rmSync(STAMP, { force: true });
  const tsc = path.join(root, 'node_modules', '.bin', 'tsc');
  const r = spawnSync(tsc, ['-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit', cwd: root });
  if (r.status !== 0) throw new Error(`the broker did not compile (tsc exited ${r.status ?? r.signal})`);
  // What tsc does not emit: plain JavaScript modules the code loads by path (the fence's watchdog).
  for (const f of files(SRC).filter((f) => f.endsWith('.mjs'))) {
    const to = path.join(DIST, path.relative(SRC, f));
    mkdirSync(path.dirname(to), { recursive: true });
    copyFileSync(f, to);
  }
  writeFileSync(STAMP, `${new Date().toISOString()}\n`);
}

/** Builds when stale(), after saying so through `say`. */
export function buildIfStale(say) {
  if (!stale()) return;
  say('compiling the broker (src/ changed since the last build)');
  build();
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) build();

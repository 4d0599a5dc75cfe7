// Runs after `npm install`: generates the Prisma client, compiles the broker
// (scripts/build.mjs) and builds the web app.
// Prisma's CLI wants to download a schema engine it does not need for `generate`;
// pointing it at any path keeps `npm install` working offline.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { build } from './build.mjs';

const root = path.resolve(import.meta.dirname, '..');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);
const run = (cmd, args, env = {}) => {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, env: { ...process.env, ...env } });
  if (r.status !== 0) process.exit(r.status ?? 1);
};

run(bin('prisma'), ['generate'], { PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY || '/bin/false', PRISMA_HIDE_UPDATE_MESSAGE: '1' });
build();
if (existsSync(path.join(root, 'web', 'index.html'))) run(bin('vite'), ['build', 'web', '--logLevel', 'warn']);

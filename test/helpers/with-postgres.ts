// Runs a command with TEST_DATABASE_URL pointing at a fresh embedded Postgres,
// which is stopped (and its directory removed) afterwards.
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres } from '../../src/db/embedded.js';

const dir = mkdtempSync(path.join(tmpdir(), 'breakglass-test-pg-'));
chmodSync(dir, 0o711);
const pg = await startEmbeddedPostgres(dir, (m) => console.error(`postgres: ${m}`));
const [cmd, ...args] = process.argv.slice(2);
const child = spawn(cmd!, args, { stdio: 'inherit', env: { ...process.env, TEST_DATABASE_URL: pg.url.replace(/\/breakglass$/, '/postgres') } });
const code: number = await new Promise((resolve) => child.on('exit', (c, s) => resolve(c ?? (s ? 1 : 0))));
await pg.stop();
rmSync(dir, { recursive: true, force: true });
process.exit(code);

// Bad single sign-on configuration stops the broker at start, with a message
// that names the variable: a missing client secret, a role mapping that is not
// JSON, an issuer nobody answers at.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { freePort } from '../../src/free-port.js';
import { freshDatabase, tempDataDir } from '../helpers/database.js';

const root = path.resolve(import.meta.dirname, '../..');

async function startServer(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const dataDir = tempDataDir();
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src/server.ts')], {
    cwd: root,
    env: { PATH: process.env.PATH!, PORT: '0', DATABASE_URL: await freshDatabase(), BREAKGLASS_DATA_DIR: dataDir, BREAKGLASS_DEMO: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  rmSync(dataDir, { recursive: true, force: true });
  return { code, output };
}

const good = {
  BREAKGLASS_OIDC_ISSUER: 'https://idp.example.com',
  BREAKGLASS_OIDC_CLIENT_ID: 'breakglass',
  BREAKGLASS_OIDC_CLIENT_SECRET: 'secret-value-never-printed',
  BREAKGLASS_OIDC_REDIRECT_URL: 'https://breakglass.example.com/api/auth/oidc/callback',
  BREAKGLASS_OIDC_ROLE_MAPPING: '{"requester":["eng"]}',
};

test('bad single sign-on configuration stops the broker at start, naming the variable', async () => {
  const { BREAKGLASS_OIDC_CLIENT_SECRET: _, ...noSecret } = good;
  const cases: [Record<string, string>, RegExp][] = [
    [noSecret, /BREAKGLASS_OIDC_CLIENT_SECRET is required/],
    [{ ...good, BREAKGLASS_OIDC_ROLE_MAPPING: 'requester=eng' }, /BREAKGLASS_OIDC_ROLE_MAPPING must be JSON/],
    [{ ...good, BREAKGLASS_OIDC_ISSUER: `http://127.0.0.1:${await freePort()}` }, /BREAKGLASS_OIDC_ISSUER: cannot read the discovery document/],
  ];
  for (const [env, message] of cases) {
    const { code, output } = await startServer(env);
    assert.equal(code, 2, output);
    assert.match(output, message);
    assert.match(output, /configuration error/);
    assert.ok(!output.includes('secret-value-never-printed'), 'the client secret is never printed');
    assert.ok(!/listening on/.test(output));
  }
});

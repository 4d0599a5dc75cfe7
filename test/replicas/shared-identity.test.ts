// Replicas share the SSH CA key, the token secret and the evidence signing key
// on purpose: one with a different one refuses to start, naming what to share.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { test } from 'node:test';
import { startBroker } from '../helpers/broker.js';
import { freshDatabase, tempDataDir } from '../helpers/database.js';
import { SECRET, SHORT_LEASE } from './replicas.js';

test('a replica with a different SSH CA, token secret or evidence signing key refuses to start and says what to share', async (t) => {
  const databaseUrl = await freshDatabase();
  const dirs = [tempDataDir(), tempDataDir()];
  t.after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  const env = { ...SHORT_LEASE, DATABASE_URL: databaseUrl, BREAKGLASS_TOKEN_SECRET: SECRET };
  const first = await startBroker({ env: { ...env, BREAKGLASS_DATA_DIR: dirs[0]!, BREAKGLASS_BROKER_ID: 'replica-a' } });
  t.after(() => first.stop());

  // Same data dir (so the same CA key), another token secret.
  await assert.rejects(
    startBroker({
      env: { ...env, BREAKGLASS_DATA_DIR: dirs[0]!, BREAKGLASS_BROKER_ID: 'replica-b', BREAKGLASS_TOKEN_SECRET: 'a-different-secret-a-different-secret-00' },
    }),
    (err: Error) => /exited \(2\)/.test(err.message) && /token-secret .* differs .*registered by replica-a.*BREAKGLASS_TOKEN_SECRET/s.test(err.message),
  );
  // Same token secret, its own data dir: a CA key of its own.
  await assert.rejects(
    startBroker({ env: { ...env, BREAKGLASS_DATA_DIR: dirs[1]!, BREAKGLASS_BROKER_ID: 'replica-c' } }),
    (err: Error) => /exited \(2\)/.test(err.message) && /ssh-ca .* differs .*BREAKGLASS_SSH_CA_KEY_FILE/s.test(err.message),
  );
  // Given the first one's CA key, its own evidence signing key still differs.
  const sameCa = { ...env, BREAKGLASS_DATA_DIR: dirs[1]!, BREAKGLASS_BROKER_ID: 'replica-c', BREAKGLASS_SSH_CA_KEY_FILE: `${dirs[0]}/ssh/ca` };
  await assert.rejects(
    startBroker({ env: sameCa }),
    (err: Error) => /exited \(2\)/.test(err.message) && /signing-key .* differs .*BREAKGLASS_SIGNING_KEY_FILE/s.test(err.message),
  );
  // Given the first one's CA key and signing key, it starts.
  const agreeing = await startBroker({ env: { ...sameCa, BREAKGLASS_SIGNING_KEY_FILE: `${dirs[0]}/evidence/signing-key` } });
  await agreeing.stop();
  assert.doesNotMatch(first.output() + agreeing.output(), new RegExp(SECRET), 'the secret itself is never printed');
});

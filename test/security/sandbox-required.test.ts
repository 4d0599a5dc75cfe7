// Fail closed: without a sandbox a local host does not open, unless the
// operator set BREAKGLASS_UNSAFE_UNSANDBOXED_LOCAL=1, and then every session says so.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { test } from 'node:test';
import { localConnector } from '../../src/terminal/connectors/local-connector.js';
import { tempDataDir } from '../helpers/database.js';
import { startHarness } from '../helpers/harness.js';

const MISSING = '/nonexistent/bwrap';

test('without bubblewrap a local host refuses to open and names the fix', { timeout: 60_000 }, async (t) => {
  const dataDir = tempDataDir();
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const h = await startHarness(t, { BREAKGLASS_DATA_DIR: dataDir }, { connectors: [localConnector(dataDir, { bwrap: MISSING })] });
  const res = await h.api('alice', 'POST', `/api/requests/${await h.grant('staging-web-1', 15, 'alice', ['bob'])}/sessions`, {});
  assert.equal(res.status, 409);
  assert.equal(res.body.error.code, 'connect_failed');
  assert.match(res.body.error.message, /apt-get install bubblewrap/);
  assert.match(res.body.error.message, /BREAKGLASS_UNSAFE_UNSANDBOXED_LOCAL=1/);
});

test('the unsafe unsandboxed mode says so in the terminal, the log and the audit trail on every session', { timeout: 60_000 }, async (t) => {
  const dataDir = tempDataDir();
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const connector = localConnector(dataDir, { bwrap: MISSING, unsafeUnsandboxed: true });
  const h = await startHarness(t, { BREAKGLASS_DATA_DIR: dataDir }, { connectors: [connector] });
  for (const host of ['staging-web-1', 'staging-web-2']) {
    const sessionId = await h.openSession(await h.grant(host, 15, 'alice', ['bob']));
    const term = await h.attach(sessionId);
    await term.until((c) => c.notices.some((n) => n.startsWith('UNSAFE')), 'the unsafe notice');
    const audit = await h.prisma.auditEvent.findMany({ where: { type: 'session.warning', subjectId: sessionId } });
    assert.equal(audit.length, 1);
    assert.match(JSON.stringify(audit[0]!.data), /without a sandbox/);
    term.send('exit\n');
    await term.waitForExit();
  }
  const sessions = await h.prisma.session.count();
  assert.equal(sessions, 2);
});

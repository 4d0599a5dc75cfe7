// `npm run verify -- audit <events.json> <audit-checkpoints.jsonl> <signing-key.pub>`:
// the audit trail checked offline. events.json is what GET /api/audit returns
// (one array, or several pages one per line); the checkpoints file is the
// broker's <dataDir>/evidence/audit-checkpoints.jsonl (a copy of it).
import { readFileSync } from 'node:fs';
import { type AuditContent, checkChain, GENESIS, type ChainRow } from '../audit/audit-fns.js';
import { checkpointProblem, type CheckpointFacts } from './checkpoint-fns.js';
import { NAMESPACES, SIGNER } from './signing-key.js';
import { sshVerify } from './ssh-verify.js';
import { keyFingerprint } from './sshsig-fns.js';

/** An audit event as GET /api/audit returns it: the chained content, its time as text. */
type ApiEvent = Omit<AuditContent, 'at'> & { id: string; at: string; prevHash: string; hash: string };

function readEvents(file: string): ApiEvent[] {
  const text = readFileSync(file, 'utf8').trim();
  const parts =
    text.startsWith('[') && !text.includes('\n[')
      ? [JSON.parse(text)]
      : text
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l));
  return parts.flat() as ApiEvent[];
}

export async function verifyAudit(eventsFile: string, checkpointsFile: string, publicKeyFile: string): Promise<{ ok: boolean; lines: string[] }> {
  const publicKey = readFileSync(publicKeyFile, 'utf8').trim();
  const events = readEvents(eventsFile).sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
  const rows: ChainRow[] = events.map((e) => ({ ...e, at: new Date(e.at) }));
  const lines = [`signing key ${keyFingerprint(publicKey)}`, `events      ${rows.length}`];
  const chain = checkChain(rows, GENESIS);
  if (!chain.ok) return { ok: false, lines: [...lines, `problem     event ${chain.brokenAt}: ${chain.problem}`, 'DOES NOT VERIFY'] };
  let latest: CheckpointFacts | undefined;
  for (const line of readFileSync(checkpointsFile, 'utf8').split('\n').filter(Boolean)) {
    const c = JSON.parse(line) as { payload: string; signature: string };
    const v = await sshVerify(publicKey, SIGNER, NAMESPACES.audit, Buffer.from(c.payload), c.signature);
    if (!v.ok) {
      lines.push(`problem     a checkpoint does not verify: ${v.output}`);
      continue;
    }
    const p = JSON.parse(c.payload) as CheckpointFacts;
    if (!latest || BigInt(p.eventId) > BigInt(latest.eventId)) latest = p;
  }
  if (!latest) return { ok: false, lines: [...lines, 'problem     no validly signed checkpoint', 'DOES NOT VERIFY'] };
  const index = events.findIndex((e) => e.id === latest.eventId);
  const problem = checkpointProblem(latest, index < 0 ? undefined : { hash: events[index]!.hash, position: index + 1 }, events.length);
  lines.push(
    `checkpoint  ${latest.count} events up to id ${latest.eventId}, signed ${latest.at}; ${events.length - (index + 1)} event(s) after it are not covered yet`,
  );
  if (problem) return { ok: false, lines: [...lines, `problem     ${problem}`, 'DOES NOT VERIFY'] };
  return { ok: true, lines: [...lines, 'VERIFIED'] };
}

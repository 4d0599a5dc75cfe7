// `npm run verify -- <bundle.tar> [--key <signing-key.pub or SHA256:fingerprint>]`:
// checks an evidence bundle offline, without the broker or its database:
// the manifest's signature (ssh-keygen -Y verify), every chunk hash, the counts.
// `npm run verify -- audit ...` checks the audit trail against its signed checkpoints
// (verify-audit.ts). Exit status 0: verified; 1: does not verify; 2: usage or unreadable input.
import { existsSync, readFileSync } from 'node:fs';
import { checkEvidence, type ExactChunk } from './evidence-check.js';
import { keyFingerprint } from './sshsig-fns.js';
import { untar } from './tar-fns.js';
import { verifyAudit } from './verify-audit.js';

function fail(message: string): never {
  console.error(`verify: ${message}`);
  process.exit(2);
}

const args = process.argv.slice(2);
if (args[0] === 'audit') {
  if (args.length !== 4) fail('usage: npm run verify -- audit <events.json> <audit-checkpoints.jsonl> <signing-key.pub>');
  const result = await verifyAudit(args[1]!, args[2]!, args[3]!).catch((err: Error) => fail(err.message));
  for (const line of result.lines) console.log(line);
  process.exit(result.ok ? 0 : 1);
}
const keyAt = args.indexOf('--key');
const pinned = keyAt >= 0 ? args.splice(keyAt, 2)[1] : undefined;
const [bundlePath] = args;
if (!bundlePath || args.length !== 1) fail('usage: npm run verify -- <bundle.tar> [--key <signing-key.pub | SHA256:fingerprint>]');

let files: Map<string, Buffer>;
try {
  files = untar(readFileSync(bundlePath));
} catch (err) {
  fail(`cannot read ${bundlePath}: ${(err as Error).message}`);
}
const find = (name: string) => [...files.entries()].find(([n]) => n === name || n.endsWith(`/${name}`))?.[1];
const publicKey = find('signing-key.pub')?.toString();
const recording = find('recording.jsonl');
if (!publicKey || !recording) fail('the bundle has no signing-key.pub or recording.jsonl: is it a breakglass evidence bundle?');

function* chunks(): Generator<ExactChunk> {
  let start = 0;
  while (start < recording!.length) {
    let end = recording!.indexOf(0x0a, start);
    if (end < 0) end = recording!.length;
    if (end > start) yield JSON.parse(recording!.subarray(start, end).toString()) as ExactChunk;
    start = end + 1;
  }
}

const report = await checkEvidence({
  manifest: find('manifest.json')?.toString(),
  signature: find('manifest.json.sig')?.toString(),
  publicKey,
  chunks: chunks(),
});
if (pinned) {
  const expected = existsSync(pinned) ? keyFingerprint(readFileSync(pinned, 'utf8')) : pinned;
  if (expected !== report.keyFingerprint) {
    report.ok = false;
    report.problems.push(`the bundle was signed with key ${report.keyFingerprint}, not the expected ${expected}`);
  }
}
const manifest = find('manifest.json');
const m = manifest ? (JSON.parse(manifest.toString()) as Record<string, unknown>) : {};
console.log(
  `session     ${String(m.session ?? '?')} (${String(m.user ?? '?')} on ${String((m.host as { name?: string } | undefined)?.name ?? '?')}, ${String(m.startedAt ?? '?')} – ${String(m.endedAt ?? '?')}, ${String(m.endReason ?? '?')})`,
);
console.log(`signing key ${report.keyFingerprint}${pinned ? ' (pinned)' : ' (compare with the one your organisation recorded)'}`);
console.log(
  `manifest    sha256 ${report.manifestHash ?? '-'} (the session.ended audit event carries it); signature ${report.signatureValid ? 'valid' : 'INVALID'}`,
);
console.log(`recording   ${report.chunks} chunks, ${report.bytesIn} bytes in, ${report.bytesOut} bytes out`);
for (const p of report.problems) console.log(`problem     ${p}`);
console.log(report.ok ? 'VERIFIED' : 'DOES NOT VERIFY');
process.exit(report.ok ? 0 : 1);

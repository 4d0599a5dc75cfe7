// Session open time, sandboxed vs not: from the local connector's prepare()
// to the shell's first prompt byte, through the same PtyProcess a session
// uses. Rounds alternate between the two; prints medians and the ratio.
// Run: npx tsx bench/sandbox.ts [--rounds=N]
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { hostOwner } from '../src/hosts/local-hosts.js';
import { localConnector } from '../src/terminal/connectors/local-connector.js';
import { PtyProcess } from '../src/terminal/pty-process.js';
import { chmodSync, chownSync } from 'node:fs';

const rounds = Number(process.argv.find((a) => a.startsWith('--rounds='))?.split('=')[1] ?? 30);
const dataDir = mkdtempSync(path.join(tmpdir(), 'breakglass-bench-sandbox-'));
const hostId = '00000000-0000-4000-8000-00000000beef';
const hostDir = path.join(dataDir, 'hosts', 'bench-1');
mkdirSync(hostDir, { recursive: true, mode: 0o755 });
const owner = hostOwner(hostId);
if (owner) chownSync(hostDir, owner.uid, owner.gid);
for (const d of [dataDir, path.dirname(hostDir)]) chmodSync(d, 0o755);

const sandboxed = localConnector(dataDir);
const unsandboxed = localConnector(dataDir, { bwrap: '/nonexistent/bwrap', unsafeUnsandboxed: true });
const ctx = {
  host: { id: hostId, name: 'bench-1', environment: 'staging', instance: 1, connectorConfig: {} },
  sessionId: 'bench',
  requestId: 'bench',
  user: { id: 'u', username: 'alice' },
  expiresAt: new Date(Date.now() + 3600_000),
};

async function openOnce(connector: ReturnType<typeof localConnector>): Promise<number> {
  const t0 = process.hrtime.bigint();
  const command = await connector.prepare(ctx);
  let firstOutput!: () => void;
  const output = new Promise<void>((resolve) => (firstOutput = resolve));
  const pty = new PtyProcess({ ...command, cols: 80, rows: 24 }, { data: () => firstOutput(), exited: () => {} });
  command.started?.(pty.pid);
  await output;
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  await pty.terminate();
  await command.dispose();
  return ms;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const times = { sandboxed: [] as number[], unsandboxed: [] as number[] };
await openOnce(sandboxed); // the first one probes bubblewrap once per process
for (let i = 0; i < rounds; i++) {
  times.sandboxed.push(await openOnce(sandboxed));
  times.unsandboxed.push(await openOnce(unsandboxed));
}
const result = {
  rounds,
  sandboxedMedianMs: +median(times.sandboxed).toFixed(1),
  unsandboxedMedianMs: +median(times.unsandboxed).toFixed(1),
  ratio: +(median(times.sandboxed) / median(times.unsandboxed)).toFixed(2),
};
console.log(JSON.stringify(result));
rmSync(dataDir, { recursive: true, force: true });

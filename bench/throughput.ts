// Throughput: printable output through the full product path (grant, session,
// websocket, recording on) against node-pty read directly and a bare relay,
// interleaved round by round. Checks that the recording holds exactly the
// bytes the client got, and that the payload arrived whole.
import { PayloadCounter, payloadCommand } from './payload.js';
import { cpuSeconds, postgresCpuMeter } from './proc.js';
import { recordedOutput, type Api } from './setup.js';
import { log, median, row, type Row } from './stats.js';
import { brokerTerminal, directTerminal, socketTerminal, waitFor, type PathName, type RelayProcess, type Terminal } from './terminals.js';

export interface ThroughputResult {
  bytes: number;
  rounds: number;
  mbPerSecond: Record<PathName, number>;
  serverCpuSecondsPerGB: { relay: number; broker: number };
  postgresCpuSecondsPerGB: number;
  bytesLost: number;
  recordingMatches: boolean;
  runs: { path: PathName; mbPerSecond: number }[];
}

async function once(open: () => Promise<Terminal>, bytes: number, pgPool: Parameters<typeof postgresCpuMeter>[0], pid?: number) {
  const term = await open();
  const counter = new PayloadCounter('a');
  term.onData((d) => counter.feed(d));
  await waitFor(term, ':~');
  const cpu0 = pid ? cpuSeconds(pid) : 0;
  const postgresCpu = await postgresCpuMeter(pgPool);
  const t0 = performance.now();
  // No `exit` in the same line: node-pty drops output still unread when the
  // child exits (the relay and direct paths would lose the tail, see docs/environment.md).
  term.send(payloadCommand(bytes, 'a', ''));
  await counter.done;
  const seconds = (performance.now() - t0) / 1000;
  const cpu = pid ? cpuSeconds(pid) - cpu0 : 0;
  const pgCpu = postgresCpu();
  term.send('exit\r');
  await term.closed;
  return { term, counter, seconds, cpu, pgCpu };
}

export async function throughput(api: Api, relay: RelayProcess, opts: { bytes: number; rounds: number }): Promise<{ result: ThroughputResult; rows: Row[] }> {
  const order: PathName[] = ['direct', 'relay', 'broker'];
  const runs: { path: PathName; mbPerSecond: number; cpuPerGB: number; pgPerGB: number }[] = [];
  let bytesLost = 0;
  let recordingMatches = true;
  for (let round = 0; round < opts.rounds; round++) {
    const rotated = order.map((_, i) => order[(i + round) % order.length]!);
    for (const path of rotated) {
      let open: () => Promise<Terminal>;
      let pid: number | undefined;
      if (path === 'direct') open = async () => directTerminal();
      else if (path === 'relay') {
        open = () => socketTerminal(relay.url);
        pid = relay.pid;
      } else {
        const hostId = await api.newHost(`bench-throughput-${Date.now()}-${round}`);
        const requestId = await api.grantHost(hostId);
        open = () => brokerTerminal(api, requestId);
        pid = api.broker.pid;
      }
      const { term, counter, seconds, cpu, pgCpu } = await once(open, opts.bytes, api.broker.db.pool, pid);
      log(
        `throughput round ${round + 1} ${path}: ${(opts.bytes / 1e6 / seconds).toFixed(1)} MB/s in ${seconds.toFixed(1)} s, server CPU ${cpu.toFixed(1)} s, Postgres CPU ${pgCpu.toFixed(1)} s`,
      );
      bytesLost += Math.max(0, opts.bytes - counter.payload);
      if (counter.payload !== opts.bytes) recordingMatches = false;
      if (path === 'broker') {
        const recorded = await recordedOutput(api.broker.db, term.sessionId!);
        if (recorded.sha256 !== counter.sha256 || recorded.bytes !== counter.received) recordingMatches = false;
        bytesLost += Math.max(0, counter.received - recorded.bytes);
      }
      runs.push({ path, mbPerSecond: opts.bytes / 1e6 / seconds, cpuPerGB: (cpu / opts.bytes) * 1e9, pgPerGB: (pgCpu / opts.bytes) * 1e9 });
    }
  }
  const med = (p: PathName) => median(runs.filter((r) => r.path === p).map((r) => r.mbPerSecond));
  const cpuMed = (p: PathName) => median(runs.filter((r) => r.path === p).map((r) => r.cpuPerGB));
  const mbPerSecond = { direct: med('direct'), relay: med('relay'), broker: med('broker') };
  const result: ThroughputResult = {
    bytes: opts.bytes,
    rounds: opts.rounds,
    mbPerSecond,
    serverCpuSecondsPerGB: { relay: cpuMed('relay'), broker: cpuMed('broker') },
    postgresCpuSecondsPerGB: median(runs.filter((r) => r.path === 'broker').map((r) => r.pgPerGB)),
    bytesLost,
    recordingMatches,
    runs: runs.map(({ path, mbPerSecond }) => ({ path, mbPerSecond })),
  };
  const rows = [
    row('throughput', 'broker vs node-pty direct', 'MB/s', mbPerSecond.broker, mbPerSecond.direct, 'direct'),
    row('throughput', 'broker vs bare relay', 'MB/s', mbPerSecond.broker, mbPerSecond.relay, 'relay'),
    row('throughput', 'server CPU per GB', 's', result.serverCpuSecondsPerGB.broker, result.serverCpuSecondsPerGB.relay, 'relay'),
    row('throughput', 'Postgres CPU per GB (broker path)', 's', result.postgresCpuSecondsPerGB),
    row('throughput', 'bytes lost', 'B', bytesLost),
    row('throughput', 'recording = bytes received (1 = yes)', '', recordingMatches ? 1 : 0),
  ];
  return { result, rows };
}

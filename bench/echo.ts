// Keystroke echo: single keystrokes into `cat` and into bash's readline, the
// round trip from send to the first byte back, on the three paths with their
// keystroke blocks interleaved round by round.
import type { Api } from './setup.js';
import { log, median, percentile, row, type Row } from './stats.js';
import { atPrompt, brokerTerminal, directTerminal, socketTerminal, waitFor, type PathName, type RelayProcess, type Terminal } from './terminals.js';

export type Percentiles = { p50: number; p90: number; p99: number };
export type EchoResult = Record<'cat' | 'bash', Record<PathName, Percentiles>> & { keystrokes: number; rounds: number };

const RESET_EVERY = 40; // Ctrl-U keeps the line short: no wrapping, no redraws

/** Measures keystroke echoes on an open terminal; one listener, one keystroke in flight. */
export class EchoProbe {
  private waiter: (() => void) | undefined;

  constructor(private readonly term: Terminal) {
    term.onData(() => {
      const w = this.waiter;
      this.waiter = undefined;
      w?.();
    });
  }

  private roundTrip(key: string): Promise<number> {
    return new Promise((resolve) => {
      const t0 = performance.now();
      this.waiter = () => resolve(performance.now() - t0);
      this.term.send(key);
    });
  }

  async keystrokes(n: number, gapMs = 0): Promise<number[]> {
    const samples: number[] = [];
    for (let i = 0; i < n; i++) {
      if (i > 0 && i % RESET_EVERY === 0) {
        await this.roundTrip('\x15');
        await new Promise((r) => setTimeout(r, 5));
      }
      samples.push(await this.roundTrip(String.fromCharCode(97 + (i % 26))));
      await new Promise((r) => (gapMs ? setTimeout(r, gapMs) : setImmediate(r)));
    }
    await this.roundTrip('\x15');
    return samples;
  }
}

export function percentiles(samples: number[]): Percentiles {
  return { p50: percentile(samples, 50), p90: percentile(samples, 90), p99: percentile(samples, 99) };
}

export async function echo(api: Api, relay: RelayProcess, opts: { keystrokes: number; rounds: number }): Promise<{ result: EchoResult; rows: Row[] }> {
  const order: PathName[] = ['direct', 'relay', 'broker'];
  const result = { keystrokes: opts.keystrokes, rounds: opts.rounds } as EchoResult;
  const rows: Row[] = [];
  for (const target of ['cat', 'bash'] as const) {
    const hostId = await api.newHost(`bench-echo-${target}-${Date.now()}`);
    const requestId = await api.grantHost(hostId);
    const opened = [await atPrompt(directTerminal()), await atPrompt(socketTerminal(relay.url)), await atPrompt(brokerTerminal(api, requestId))];
    const terms: Record<PathName, Terminal> = { direct: opened[0]!, relay: opened[1]!, broker: opened[2]! };
    for (const p of order) {
      if (target === 'cat') {
        const started = waitFor(terms[p], 'cat\r\n');
        terms[p].send('cat\r');
        await started;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const probes = Object.fromEntries(order.map((p) => [p, new EchoProbe(terms[p])])) as Record<PathName, EchoProbe>;
    const perRound: Record<PathName, Percentiles[]> = { direct: [], relay: [], broker: [] };
    const block = Math.ceil(opts.keystrokes / opts.rounds);
    for (let round = 0; round < opts.rounds; round++) {
      for (let i = 0; i < order.length; i++) {
        const p = order[(i + round) % order.length]!;
        perRound[p].push(percentiles(await probes[p].keystrokes(block)));
      }
    }
    for (const p of order) {
      if (target === 'cat') terms[p].send('\x04');
      terms[p].send('exit\r');
    }
    await Promise.all(order.map((p) => terms[p].closed));
    const med = (p: PathName): Percentiles => ({
      p50: median(perRound[p].map((x) => x.p50)),
      p90: median(perRound[p].map((x) => x.p90)),
      p99: median(perRound[p].map((x) => x.p99)),
    });
    result[target] = { direct: med('direct'), relay: med('relay'), broker: med('broker') };
    const r = result[target];
    log(`echo ${target}: ${JSON.stringify(r)}`);
    rows.push(
      row('echo', `${target} p50 vs direct`, 'ms', r.broker.p50, r.direct.p50, 'direct'),
      row('echo', `${target} p50 vs relay`, 'ms', r.broker.p50, r.relay.p50, 'relay'),
      row('echo', `${target} p90 vs relay`, 'ms', r.broker.p90, r.relay.p90, 'relay'),
      row('echo', `${target} p99 vs relay`, 'ms', r.broker.p99, r.relay.p99, 'relay'),
      row('echo', `${target} p99 vs direct`, 'ms', r.broker.p99, r.direct.p99, 'direct'),
    );
  }
  return { result, rows };
}

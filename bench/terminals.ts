// The three paths a benchmark compares, behind one small interface:
// direct (node-pty read in this process), relay (bare websocket relay, no
// recording) and broker (the product: grant, session, recording on).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import type { Api } from './setup.js';
import { INSPECT_ARG, inspectorUrl } from './inspector.js';
import { spawnShell } from './shell.mjs';

export type PathName = 'direct' | 'relay' | 'broker';

export interface Terminal {
  send(data: string): void;
  onData(fn: (data: Buffer) => void): void;
  /** Resolves when the far end is gone (socket closed or pty exited). */
  readonly closed: Promise<void>;
  close(): void;
  sessionId?: string;
}

const EARLY_LOG = 64 * 1024;

/**
 * Output fan-out that replays what arrived before a listener joined: a socket
 * can deliver the prompt in the same read as its 'open' event, before anyone
 * awaiting the open could listen. Only the first 64 KiB are kept for replay.
 */
function fanOut(): { emit(d: Buffer): void; onData(fn: (d: Buffer) => void): void } {
  const early: Buffer[] = [];
  let logged = 0;
  const fns: ((d: Buffer) => void)[] = [];
  return {
    emit(d) {
      if (logged < EARLY_LOG) {
        early.push(d);
        logged += d.length;
      }
      for (const fn of fns) fn(d);
    },
    onData(fn) {
      fns.push(fn);
      for (const d of early) fn(d);
    },
  };
}

export function directTerminal(): Terminal {
  const cwd = mkdtempSync(path.join(tmpdir(), 'breakglass-direct-'));
  const pty = spawnShell(cwd);
  const closed = new Promise<void>((resolve) => pty.onExit(() => resolve()));
  const out = fanOut();
  pty.onData((d) => out.emit(d as unknown as Buffer));
  return {
    send: (d) => pty.write(d),
    onData: out.onData,
    closed,
    close: () => pty.kill(),
  };
}

export async function socketTerminal(url: string, headers: Record<string, string> = {}): Promise<Terminal> {
  const ws = new WebSocket(url, { headers, perMessageDeflate: false });
  const out = fanOut();
  ws.on('message', (data, isBinary) => {
    if (isBinary) out.emit(data as Buffer);
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
  return {
    send: (d) => ws.send(Buffer.from(d), { binary: true }),
    onData: out.onData,
    closed,
    close: () => ws.close(),
  };
}

export async function brokerTerminal(api: Api, requestId: string): Promise<Terminal> {
  const sessionId = await api.openSession(requestId);
  const { url, headers } = await api.terminal(sessionId);
  return { ...(await socketTerminal(url, headers)), sessionId };
}

export interface RelayProcess {
  url: string;
  pid: number;
  /** Its inspector (bench/inspector.ts), for a full collection before reading its memory. */
  inspector: string;
  stop(): Promise<void>;
}

export async function startRelay(): Promise<RelayProcess> {
  const child: ChildProcess = spawn(process.execPath, [INSPECT_ARG, path.join(import.meta.dirname, 'relay.mjs')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let errors = '';
  child.stderr!.on('data', (d: Buffer) => {
    errors += d.toString();
    // The inspector's own notices ("Debugger listening…", "Debugger attached.") are not the relay's.
    for (const line of d.toString().split('\n')) if (line && !/^(Debugger |For help)/.test(line)) process.stderr.write(`${line}\n`);
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /relay listening on (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`relay exited (${code})`)));
  });
  const inspector = inspectorUrl(errors);
  if (!inspector) throw new Error(`the relay printed no inspector address: ${errors}`);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    url: `ws://127.0.0.1:${port}/`,
    pid: child.pid!,
    inspector,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Waits until the output holds `text` (for prompts and the like, not for measured bytes). */
export function waitFor(term: Terminal, text: string, timeoutMs = 20_000): Promise<void> {
  let seen = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${JSON.stringify(text)}; got ${JSON.stringify(seen.slice(-300))}`)), timeoutMs);
    let done = false;
    term.onData((d) => {
      if (done) return;
      seen = (seen + d.toString('latin1')).slice(-Math.max(4096, text.length * 2));
      if (seen.includes(text)) {
        done = true;
        clearTimeout(timer);
        resolve();
      }
    });
  });
}

/** Opens a terminal and waits for the shell's prompt (listening before anything can arrive). */
export async function atPrompt(opening: Terminal | Promise<Terminal>): Promise<Terminal> {
  const term = await opening;
  await waitFor(term, ':~');
  return term;
}

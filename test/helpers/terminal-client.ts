// A websocket client of the terminal protocol, for tests: collects output,
// notices and the exit reason, and lets a test await any of them.
import WebSocket from 'ws';
import type { ServerMessage } from '../../src/terminal/protocol.js';

export class TerminalClient {
  output = '';
  /** Every binary frame as received, from the first one on. */
  readonly frames: Buffer[] = [];
  readonly notices: string[] = [];
  /** Every control message, in order. */
  readonly messages: ServerMessage[] = [];
  exitReason: string | undefined;
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: (() => void)[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        this.frames.push(data as Buffer);
        this.output += (data as Buffer).toString('utf8');
      } else {
        const msg = JSON.parse(data.toString()) as ServerMessage;
        this.messages.push(msg);
        if (msg.type === 'notice') this.notices.push(msg.message);
        if (msg.type === 'exit') this.exitReason = msg.reason;
      }
      this.wake();
    });
    this.closed = new Promise((resolve) =>
      ws.on('close', (code, reason) => {
        this.wake();
        resolve({ code, reason: reason.toString() });
      }),
    );
  }

  static connect(url: string, headers: Record<string, string>): Promise<TerminalClient> {
    const ws = new WebSocket(url, { headers });
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new TerminalClient(ws)));
      ws.once('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => reject(Object.assign(new Error(`HTTP ${res.statusCode}: ${body}`), { status: res.statusCode, body })));
      });
      ws.once('error', reject);
    });
  }

  send(text: string): void {
    this.ws.send(Buffer.from(text), { binary: true });
  }

  control(obj: unknown): void {
    this.ws.send(typeof obj === 'string' ? obj : JSON.stringify(obj));
  }

  /** Resolves when `check` holds; rejects if the socket closes first. */
  until(check: (c: TerminalClient) => boolean, what = 'condition'): Promise<void> {
    return new Promise((resolve, reject) => {
      const test = () => {
        if (check(this)) return resolve();
        if (this.ws.readyState === WebSocket.CLOSED)
          return reject(new Error(`socket closed before ${what}; output so far: ${JSON.stringify(this.output.slice(-500))}`));
        this.waiters.push(test);
      };
      test();
    });
  }

  waitForOutput(text: string | RegExp): Promise<void> {
    return this.until((c) => (typeof text === 'string' ? c.output.includes(text) : text.test(c.output)), `output ${String(text)}`);
  }

  async waitForExit(): Promise<string> {
    await this.closed;
    return this.exitReason ?? 'none';
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}

// A read-only view of a live session for approvers and auditors, fed from the
// recording rather than from the pty: it works on any broker replica (the
// session's pty may live on another one), shows the recent screen on attach,
// and shows only what was recorded, by construction.
import type { WebSocket } from 'ws';
import type { PrismaClient } from '../db/client.js';
import type { EndReason, ServerMessage } from './protocol.js';

const POLL_MS = 200;
const PAGE = 500;
const BACKLOG_BYTES = 256 * 1024; // the recent output a watcher starts with
const SOCKET_LIMIT = 4 << 20; // a slow watcher is not fed more until it drains

export class RecordingTail {
  private timer: NodeJS.Timeout | undefined;
  private nextSeq = 0;
  private closed = false;
  private ws!: WebSocket;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly session: { id: string; hostName: string; expiresAt: Date; cols: number; rows: number },
  ) {}

  async start(ws: WebSocket): Promise<void> {
    this.ws = ws;
    this.ws.on('close', () => this.dispose());
    this.ws.on('error', () => this.ws.terminate());
    this.ws.on('message', (_data, isBinary) => {
      if (isBinary) this.send({ type: 'notice', message: 'Read-only: your input is not sent.', expiresAt: this.session.expiresAt.toISOString() });
    });
    this.nextSeq = await this.backlogStart();
    this.sendSize(await this.sizeBefore(this.nextSeq));
    this.send({
      type: 'notice',
      message: `Watching ${this.session.hostName} (read-only), from the recording.`,
      expiresAt: this.session.expiresAt.toISOString(),
    });
    await this.poll();
  }

  dispose(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }

  /** The first chunk of the last BACKLOG_BYTES of output, so the watcher sees the recent screen. */
  private async backlogStart(): Promise<number> {
    const rows = await this.prisma.$queryRaw<{ seq: number }[]>`
      SELECT seq FROM (
        SELECT seq, SUM(length(data)) OVER (ORDER BY seq DESC) AS after
        FROM recording_chunks WHERE session_id = ${this.session.id}::uuid AND kind = 'o'
      ) t WHERE after <= ${BACKLOG_BYTES} ORDER BY seq LIMIT 1`;
    return rows[0]?.seq ?? 0;
  }

  /** The session's size when the backlog starts: the last resize before it, else the size it opened with. */
  private async sizeBefore(seq: number): Promise<string> {
    const rows = await this.prisma.$queryRaw<{ data: Uint8Array }[]>`
      SELECT data FROM recording_chunks WHERE session_id = ${this.session.id}::uuid AND kind = 'r' AND seq < ${seq}
      ORDER BY seq DESC LIMIT 1`;
    return rows[0] ? Buffer.from(rows[0].data).toString() : `${this.session.cols}x${this.session.rows}`;
  }

  private sendSize(size: string): void {
    const [cols, rows] = size.split('x').map(Number);
    if (Number.isInteger(cols) && Number.isInteger(rows)) this.send({ type: 'size', cols: cols!, rows: rows! });
  }

  private async poll(): Promise<void> {
    if (this.closed) return;
    try {
      if (this.ws.bufferedAmount < SOCKET_LIMIT) {
        // Read the end first: a session ends only after its last chunk is committed,
        // so chunks read after seeing the end are all there is.
        const s = await this.prisma.session.findUnique({
          where: { id: this.session.id },
          select: { endedAt: true, endReason: true, request: { select: { expiresAt: true } } },
        });
        this.followEnd(s?.request.expiresAt);
        const chunks = await this.prisma.recordingChunk.findMany({
          where: { sessionId: this.session.id, seq: { gte: this.nextSeq } },
          orderBy: { seq: 'asc' },
          take: PAGE,
          select: { seq: true, kind: true, data: true },
        });
        for (const c of chunks) {
          if (c.kind === 'o') this.ws.send(Buffer.from(c.data), { binary: true });
          if (c.kind === 'r') this.sendSize(Buffer.from(c.data).toString());
          if (c.kind === 'm') this.send({ type: 'notice', message: Buffer.from(c.data).toString(), expiresAt: this.session.expiresAt.toISOString() });
          this.nextSeq = c.seq + 1;
        }
        if (chunks.length === 0 && s?.endedAt) return this.finish(s.endReason as EndReason);
        if (chunks.length === PAGE) return void setImmediate(() => void this.poll());
      }
    } catch {
      // Postgres away for a moment: try again on the next tick.
    }
    if (!this.closed) this.timer = setTimeout(() => void this.poll(), POLL_MS);
  }

  /** An approved extension moved the grant's end (committed before its notice is recorded): the watcher is told first. */
  private followEnd(end: Date | null | undefined): void {
    if (!end || end.getTime() <= this.session.expiresAt.getTime()) return;
    this.session.expiresAt = end;
    this.send({ type: 'expires', expiresAt: end.toISOString() });
  }

  private finish(reason: EndReason): void {
    this.send({ type: 'exit', reason });
    this.ws.close(1000, reason);
    this.dispose();
  }

  private send(msg: ServerMessage): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(JSON.stringify(msg));
  }
}

// Change notifications between brokers and to browsers, through Postgres
// LISTEN/NOTIFY: a notification sent inside a transaction is delivered only if
// it commits, so nobody hears of a change that did not happen.
import { EventEmitter } from 'node:events';
import pg from 'pg';
import type { Tx } from '../db/client.js';

const CHANNEL = 'breakglass';

export type ChangeKind = 'request' | 'host' | 'session' | 'replacement';

export type FeedMessage =
  | { type: 'change'; kind: ChangeKind; id: string }
  /** Every broker ends its live sessions of this request (revoke, grant closed). */
  | { type: 'kill'; requestId: string; reason: 'revoked' | 'expired' }
  /** Said in every live session of this request; with expiresAt, the window's end moved there (extension). */
  | { type: 'grant-notice'; requestId: string; message: string; expiresAt?: string }
  /** A user's logins changed (logout, revoked tokens, disabled): every broker re-verifies that user's live connections. */
  | { type: 'login'; userId: string };

export async function publish(tx: Tx, message: FeedMessage): Promise<void> {
  await tx.$executeRaw`SELECT pg_notify(${CHANNEL}, ${JSON.stringify(message)})`;
}

/**
 * The LISTEN side. A notification sent while the connection is down is lost
 * for good, so every (re)connect emits `connected`: listeners then reconcile
 * with the database (see SessionService.reconcile) instead of trusting that
 * they heard everything.
 */
export class ChangeFeed extends EventEmitter<{ message: [FeedMessage]; connected: [] }> {
  private client: pg.Client | undefined;
  private closed = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private failures = 0;

  constructor(
    private readonly databaseUrl: string,
    private readonly log: (msg: string) => void,
  ) {
    super();
    this.setMaxListeners(0);
  }

  async start(): Promise<void> {
    const client = new pg.Client({ connectionString: this.databaseUrl, application_name: 'breakglass-change-feed' });
    client.on('notification', (n) => {
      if (n.channel !== CHANNEL || !n.payload) return;
      this.emit('message', JSON.parse(n.payload) as FeedMessage);
    });
    const lost = (why: string) => {
      if (this.client !== client) return;
      this.log(`change feed connection lost (${why}); reconnecting`);
      this.client = undefined;
      client.end().catch(() => {});
      this.retry();
    };
    client.on('error', (err) => lost(err.message));
    client.on('end', () => lost('closed'));
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
    } catch (err) {
      client.end().catch(() => {});
      throw err;
    }
    if (this.closed) {
      await client.end().catch(() => {});
      return;
    }
    this.client = client;
    this.failures = 0;
    this.emit('connected');
  }

  /** Backs off from 100 ms to 2 s while Postgres is away. */
  private retry(): void {
    if (this.closed) return;
    const delay = Math.min(2000, 100 * 2 ** this.failures++);
    this.retryTimer = setTimeout(() => this.start().catch(() => this.retry()), delay);
    this.retryTimer.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => {});
  }
}

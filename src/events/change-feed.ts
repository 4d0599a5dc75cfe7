// Change notifications between brokers and to browsers, through Postgres
// LISTEN/NOTIFY: a notification sent inside a transaction is delivered only if
// it commits, so nobody hears of a change that did not happen.
import { EventEmitter } from 'node:events';
import pg from 'pg';
import type { Tx } from '../db/client.js';

const CHANNEL = 'breakglass';

export type ChangeKind = 'request' | 'host' | 'session' | 'replacement' | 'audit';

export type FeedMessage =
  | { type: 'change'; kind: ChangeKind; id: string }
  /** Every broker ends its live sessions of this request (revoke, grant closed). */
  | { type: 'kill'; requestId: string; reason: 'revoked' | 'expired' }
  /** A user's logins changed (logout, revoked tokens, disabled): every broker re-verifies that user's live connections. */
  | { type: 'login'; userId: string };

export async function publish(tx: Tx, message: FeedMessage): Promise<void> {
  await tx.$executeRaw`SELECT pg_notify(${CHANNEL}, ${JSON.stringify(message)})`;
}

export class ChangeFeed extends EventEmitter<{ message: [FeedMessage] }> {
  private client: pg.Client | undefined;
  private closed = false;

  constructor(private readonly databaseUrl: string, private readonly log: (msg: string) => void) {
    super();
    this.setMaxListeners(0);
  }

  async start(): Promise<void> {
    const client = new pg.Client({ connectionString: this.databaseUrl });
    client.on('notification', (n) => {
      if (n.channel !== CHANNEL || !n.payload) return;
      this.emit('message', JSON.parse(n.payload) as FeedMessage);
    });
    client.on('error', (err) => {
      this.log(`change feed connection lost: ${err.message}; reconnecting`);
      this.reconnect();
    });
    await client.connect();
    await client.query(`LISTEN ${CHANNEL}`);
    this.client = client;
  }

  private reconnect(): void {
    this.client?.end().catch(() => {});
    this.client = undefined;
    if (this.closed) return;
    setTimeout(() => this.start().catch(() => this.reconnect()), 1000).unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.client?.end().catch(() => {});
  }
}

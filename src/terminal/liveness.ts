// Each replica holds a lease in the `brokers` table, measured with the
// database's clock (now()), renewed by serialised ticks: a tick starts only
// once the previous one has finished, so a stale renewal can never land after
// a fresh one. The renewal's send time on this machine's monotonic clock, plus
// the lease, minus a margin, is when the fence kills this replica's shells;
// the database lets others take over only once now() is past lease_until,
// which is later. Each tick also reconciles the sessions this replica holds
// (revoked, past their window, or ended elsewhere) and ends the sessions of
// replicas whose lease has expired, replacing their hosts.
import pg from 'pg';
import type { Fence } from './fence.js';
import type { SessionService } from './session-service.js';

export interface LeaseTiming {
  tickMs: number;
  leaseMs: number;
  /** The fence acts this long before the lease runs out. */
  marginMs: number;
}

export class Liveness {
  private readonly pool: pg.Pool;
  private stopped = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  /** Where other replicas reach this one (published with the lease). */
  address: string | undefined;

  constructor(
    databaseUrl: string,
    private readonly brokerId: string,
    private readonly sessions: SessionService,
    private readonly fence: Fence,
    private readonly timing: LeaseTiming,
    private readonly log: (msg: string) => void,
  ) {
    // Its own connection: the lease must not queue behind recording writes.
    this.pool = new pg.Pool({ connectionString: databaseUrl, max: 1, application_name: 'breakglass-lease' });
    this.pool.on('error', () => {});
  }

  async start(): Promise<void> {
    await this.renew();
    this.loop = this.run();
  }

  /** One tick: renew, reconcile what this replica holds, take over from replicas whose lease expired. */
  async tick(): Promise<void> {
    try {
      await this.renew();
      const reconciled = await this.sessions.reconcile();
      if (reconciled) this.log(`reconciliation ended ${reconciled} session(s) revoked, expired or ended elsewhere`);
      const ended = await this.sessions.recoverFromDeadBrokers(this.timing.leaseMs);
      if (ended) this.log(`ended ${ended} session(s) of broker replicas whose lease expired as interrupted`);
    } catch (err) {
      this.log(`lease tick: ${(err as Error).message}`);
    }
  }

  /** Publishes where other replicas reach this one (once listening); renewals keep it. */
  async publishAddress(address: string): Promise<void> {
    this.address = address;
    await this.pool.query('UPDATE brokers SET address = $2 WHERE id = $1', [this.brokerId, address]);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
    await this.pool.end().catch(() => {});
  }

  private async run(): Promise<void> {
    let last = performance.now();
    while (!this.stopped) {
      // A tick every tickMs from the start of the previous one (a slow tick shortens the pause, never overlaps).
      const pause = Math.max(0, last + this.timing.tickMs - performance.now());
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pause);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      last = performance.now();
      if (!this.stopped) await this.tick();
    }
  }

  private async renew(): Promise<void> {
    const sentAt = performance.now();
    await this.pool.query(
      `INSERT INTO brokers (id, started_at, heartbeat_at, lease_until, address)
       VALUES ($1, now(), now(), now() + $2 * interval '1 millisecond', $3)
       ON CONFLICT (id) DO UPDATE SET heartbeat_at = now(), lease_until = EXCLUDED.lease_until, address = EXCLUDED.address`,
      [this.brokerId, this.timing.leaseMs, this.address ?? null],
    );
    this.fence.extend(sentAt + this.timing.leaseMs - this.timing.marginMs);
  }
}

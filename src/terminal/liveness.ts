// Replicas beat in the `brokers` table. A replica that stops beating has lost
// its ptys (they die with the process); any other replica then ends its
// sessions as interrupted, which schedules their hosts' replacements, without
// waiting for the dead one to come back.
import type { PrismaClient } from '../db/client.js';
import type { SessionService } from './session-service.js';

export class Liveness {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly brokerId: string,
    private readonly sessions: SessionService,
    private readonly opts: { beatMs: number; deadAfterMs: number },
    private readonly log: (msg: string) => void,
  ) {}

  async start(): Promise<void> {
    await this.beat();
    this.timer = setInterval(() => void this.tick(), this.opts.beatMs);
    this.timer.unref();
  }

  async tick(): Promise<void> {
    try {
      await this.beat();
      const ended = await this.sessions.recoverFromDeadBrokers(this.opts.deadAfterMs);
      if (ended) this.log(`ended ${ended} session(s) of broker replicas that stopped as interrupted`);
    } catch (err) {
      this.log(`liveness: ${(err as Error).message}`);
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async beat(): Promise<void> {
    const now = new Date();
    await this.prisma.broker.upsert({ where: { id: this.brokerId }, create: { id: this.brokerId, startedAt: now, heartbeatAt: now }, update: { heartbeatAt: now } });
  }
}

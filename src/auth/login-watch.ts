// Sessions die with the login: every live terminal websocket and event stream
// is bound to the token it was opened with, and closed as soon as that token
// stops being valid (logout, expiry, or anything else the token verification
// refuses, e.g. a disabled user). A change-feed message makes it fast; a
// periodic re-verification on every replica is the safety net. Both ask the
// same function HTTP requests use (AuthService.resolve).
import { UnauthorizedError } from '../errors.js';
import type { TokenClaims } from './auth-service.js';

export interface LoginBinding {
  claims: TokenClaims;
  close(): void;
}

type Verify = (claims: TokenClaims) => Promise<unknown>;

export class LoginWatch {
  private readonly bindings = new Set<LoginBinding>();
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;

  constructor(
    private readonly verify: Verify,
    private readonly everyMs: number,
    private readonly log: (msg: string) => void,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.recheck(), this.everyMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Binds a connection to its token; the returned function unbinds it (call it when the connection closes). */
  bind(claims: TokenClaims, close: () => void): () => void {
    const binding = { claims, close };
    this.bindings.add(binding);
    return () => this.bindings.delete(binding);
  }

  get size(): number {
    return this.bindings.size;
  }

  /** Re-verifies the tokens of one user (after a logout or a change to the user) or of everyone. */
  recheck(userId?: string): Promise<void> {
    const run = async () => {
      const byToken = new Map<string, LoginBinding[]>();
      for (const b of this.bindings) {
        if (userId && b.claims.sub !== userId) continue;
        byToken.set(b.claims.jti, [...(byToken.get(b.claims.jti) ?? []), b]);
      }
      for (const bindings of byToken.values()) {
        const refused = await this.verify(bindings[0]!.claims).then(
          () => false,
          (err: Error) => {
            if (err instanceof UnauthorizedError) return true;
            this.log(`re-verifying a login failed (${err.message}); its connections stay until the next check`);
            return false;
          },
        );
        if (!refused) continue;
        for (const b of bindings) {
          this.bindings.delete(b);
          b.close();
        }
      }
    };
    // One check at a time; a check asked for while one runs runs after it.
    this.sweeping = (this.sweeping ?? Promise.resolve()).then(run, run);
    return this.sweeping;
  }
}

// Sessions die with the login: every live terminal websocket and event stream
// is bound to the token it was opened with, and closed as soon as that token
// stops being valid (logout, expiry, or anything else the token verification
// refuses, e.g. a disabled user). A change-feed message makes it fast; a
// periodic re-verification on every replica is the safety net. Both ask the
// same function HTTP requests use (AuthService.resolve).
import { UnauthorizedError } from '../errors.js';
import type { TokenClaims } from './auth-service.js';

/** One login's token and the connections bound to it: a user's terminals and event streams share one. */
interface TokenBinding {
  claims: TokenClaims;
  closers: Set<() => void>;
}

type Verify = (claims: TokenClaims) => Promise<unknown>;

export class LoginWatch {
  /** By the token's id (jti). */
  private readonly tokens = new Map<string, TokenBinding>();
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
    let token = this.tokens.get(claims.jti);
    if (!token) {
      token = { claims, closers: new Set() };
      this.tokens.set(claims.jti, token);
    }
    token.closers.add(close);
    const bound = token; // not `claims`: the connection keeps its token's one copy, not its own
    return () => {
      bound.closers.delete(close);
      if (bound.closers.size === 0 && this.tokens.get(bound.claims.jti) === bound) this.tokens.delete(bound.claims.jti);
    };
  }

  /** Connections bound. */
  get size(): number {
    let n = 0;
    for (const t of this.tokens.values()) n += t.closers.size;
    return n;
  }

  /** Re-verifies the tokens of one user (after a logout or a change to the user) or of everyone. */
  recheck(userId?: string): Promise<void> {
    const run = async () => {
      const tokens = [...this.tokens.values()].filter((t) => !userId || t.claims.sub === userId);
      for (const token of tokens) {
        const refused = await this.verify(token.claims).then(
          () => false,
          (err: Error) => {
            if (err instanceof UnauthorizedError) return true;
            this.log(`re-verifying a login failed (${err.message}); its connections stay until the next check`);
            return false;
          },
        );
        if (!refused) continue;
        if (this.tokens.get(token.claims.jti) === token) this.tokens.delete(token.claims.jti);
        for (const close of token.closers) close();
      }
    };
    // One check at a time; a check asked for while one runs runs after it.
    this.sweeping = (this.sweeping ?? Promise.resolve()).then(run, run);
    return this.sweeping;
  }
}

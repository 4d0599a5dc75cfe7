// Failed logins are counted per username and per client address over a
// sliding minute; past the limit, further attempts for that username or from
// that client are refused (429) before any password is checked, so guessing
// one account from many addresses is throttled as well as many accounts from
// one. Counts live in this replica's memory.
import { AppError } from '../errors.js';

const WINDOW_MS = 60_000;

export class LoginThrottle {
  private readonly failures = new Map<string, number[]>();

  constructor(private readonly limit: number) {}

  /** Throws 429 if the username or the client has used up its failed attempts. */
  check(username: string, client: string): void {
    for (const key of [`user:${username.toLowerCase()}`, `client:${client}`]) {
      const recent = this.recent(key);
      if (recent.length >= this.limit) {
        const after = Math.ceil((recent[0]! + WINDOW_MS - Date.now()) / 1000);
        throw new AppError(429, 'rate_limited', `Too many failed logins: try again in ${after} seconds.`);
      }
    }
  }

  failed(username: string, client: string): void {
    for (const key of [`user:${username.toLowerCase()}`, `client:${client}`]) this.failures.set(key, [...this.recent(key), Date.now()]);
  }

  private recent(key: string): number[] {
    const since = Date.now() - WINDOW_MS;
    const kept = (this.failures.get(key) ?? []).filter((t) => t > since);
    if (kept.length) this.failures.set(key, kept);
    else this.failures.delete(key);
    return kept;
  }
}

// Any replica serves any user: a requester whose websocket reaches a replica
// that does not hold the session's pty is forwarded to the one that does, over
// a replica-to-replica hop. The hop is authenticated by a short-lived token,
// an HMAC under a key derived from the shared token secret, naming the session,
// the user (already authenticated by the first replica) and the target replica.
import { createHmac, timingSafeEqual } from 'node:crypto';
import WebSocket from 'ws';

export const HOP_HEADER = 'x-breakglass-hop';
const TTL_MS = 30_000;
const HIGH_WATER = 1 << 20;
const LOW_WATER = 256 << 10;

export interface HopClaims {
  /** What the hop acts on: `session:<id>`, `request:<id>` or `replacement:<id>`. */
  subject: string;
  /** The user the first replica authenticated (none for a job). */
  userId: string | null;
  /** The replica the hop is meant for: a token is no good at any other. */
  brokerId: string;
  exp: number;
}

export class ReplicaHop {
  private readonly key: Buffer;

  constructor(
    tokenSecret: string,
    private readonly brokerId: string,
  ) {
    this.key = createHmac('sha256', tokenSecret).update('breakglass replica hop v1').digest();
  }

  token(claims: Omit<HopClaims, 'exp'>): string {
    const body = Buffer.from(JSON.stringify({ ...claims, exp: Date.now() + TTL_MS })).toString('base64url');
    return `${body}.${this.mac(body)}`;
  }

  /** The claims of a valid token for this replica and this subject, or undefined. */
  verify(token: string | undefined, subject: string): HopClaims | undefined {
    const [body, mac] = (token ?? '').split('.');
    if (!body || !mac) return undefined;
    const expected = Buffer.from(this.mac(body));
    const given = Buffer.from(mac);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    let claims: HopClaims;
    try {
      claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as HopClaims;
    } catch {
      return undefined;
    }
    if (claims.brokerId !== this.brokerId || claims.subject !== subject || !(claims.exp > Date.now())) return undefined;
    return claims;
  }

  /**
   * Pipes the client's socket to the owner's: frames both ways unchanged (the
   * owner records and acts on them), closes both ways, and backpressure: the
   * owner's socket is not read while the client is behind, so the owner's
   * flow control pauses the pty as if the client were attached to it directly.
   */
  forward(client: WebSocket, ownerAddress: string, sessionId: string, token: string): void {
    const url = `${ownerAddress.replace(/^http/, 'ws')}/internal/sessions/${sessionId}/terminal`;
    const upstream = new WebSocket(url, { headers: { [HOP_HEADER]: token }, perMessageDeflate: false });
    const early: [Buffer, boolean][] = [];
    client.on('message', (data, isBinary) => {
      if (upstream.readyState === WebSocket.OPEN) upstream.send(data as Buffer, { binary: isBinary });
      else if (upstream.readyState === WebSocket.CONNECTING) early.push([data as Buffer, isBinary]);
    });
    upstream.on('open', () => {
      for (const [data, binary] of early.splice(0)) upstream.send(data, { binary });
    });
    const drained = () => {
      if (client.bufferedAmount < LOW_WATER) upstream.resume();
    };
    upstream.on('message', (data, isBinary) => {
      if (client.readyState !== WebSocket.OPEN) return;
      client.send(data as Buffer, { binary: isBinary }, drained);
      if (client.bufferedAmount > HIGH_WATER) upstream.pause();
    });
    upstream.on('close', (code, reason) => {
      if (client.readyState === WebSocket.OPEN) client.close(sendable(code) ? code : 1011, reason.toString());
    });
    upstream.on('unexpected-response', (_req, res) => {
      client.close(1011, `the replica holding this session refused the hop (${res.statusCode})`);
      upstream.terminate();
    });
    upstream.on('error', () => {
      if (client.readyState === WebSocket.OPEN) client.close(1011, 'the replica holding this session cannot be reached');
    });
    client.on('close', () => upstream.close());
    client.on('error', () => upstream.terminate());
  }

  /** An HTTP call that must act where a pty or a local host lives: the owner's status and JSON body. */
  async post(ownerAddress: string, path: string, token: string, body: unknown, timeoutMs = 60_000): Promise<{ status: number; body: any }> {
    const res = await fetch(ownerAddress + path, {
      method: 'POST',
      headers: { [HOP_HEADER]: token, 'content-type': 'application/json' },
      body: JSON.stringify(body ?? {}),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }

  private mac(body: string): string {
    return createHmac('sha256', this.key).update(body).digest('base64url');
  }
}

/** Close codes a peer may send (1005, 1006 and 1015 are only ever reported). */
function sendable(code: number): boolean {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}

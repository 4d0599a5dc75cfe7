// How a shell on a host is reached. A connector turns a host and a grant into
// a command that runs inside the broker's pty (so every byte passes the
// recording proxy), plus whatever must be cleaned up afterwards.
export interface ConnectorHost {
  id: string;
  name: string;
  environment: string;
  instance: number;
  connectorConfig: Record<string, unknown>;
}

export interface ConnectorContext {
  host: ConnectorHost;
  sessionId: string;
  requestId: string;
  user: { id: string; username: string };
  /** End of the grant window: credentials must not outlive it. */
  expiresAt: Date;
}

export interface ShellCommand {
  file: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  /** Run as this user (only a broker running as root can). */
  uid?: number;
  gid?: number;
  /** Said to the user, the log and the audit trail on every session (e.g. that it runs unsandboxed). */
  warning?: string;
  /** Told the process id once the command runs. */
  started?(pid: number): void;
  /** Removes per-session material (keys, temp dirs). Always called once, as a plain function (the session keeps it, not the command). */
  dispose(): Promise<void>;
}

export interface Connector {
  readonly type: string;
  prepare(ctx: ConnectorContext): Promise<ShellCommand>;
}

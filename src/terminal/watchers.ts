// Who watches which live session on this broker, so the requester can be told.
// Watchers on another replica are not counted (they tail the recording there).
import type { WebSocket } from 'ws';

export class Watchers {
  private readonly bySession = new Map<string, Map<WebSocket, string>>();

  constructor(private readonly changed: (sessionId: string, users: string[]) => void) {}

  add(sessionId: string, ws: WebSocket, username: string): void {
    let sockets = this.bySession.get(sessionId);
    if (!sockets) this.bySession.set(sessionId, (sockets = new Map()));
    sockets.set(ws, username);
    ws.once('close', () => {
      sockets.delete(ws);
      if (sockets.size === 0) this.bySession.delete(sessionId);
      this.changed(sessionId, this.users(sessionId));
    });
    this.changed(sessionId, this.users(sessionId));
  }

  users(sessionId: string): string[] {
    return [...new Set(this.bySession.get(sessionId)?.values() ?? [])].sort();
  }
}

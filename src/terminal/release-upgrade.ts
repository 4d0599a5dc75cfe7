// What an open terminal socket keeps of the HTTP request that opened it.
import type { FastifyRequest } from 'fastify';
import type { ServerResponse } from 'node:http';
import type { WebSocket } from 'ws';

/**
 * @fastify/websocket keeps the upgrade's request and reply for the socket's
 * whole life: in the error listener it adds (which hands socket errors to the
 * route's error handler), and as the raw socket's pending response (with
 * fastify's response listeners and the route's context). About 6 KB a session,
 * that nothing needs once the socket is open (README, "The recorded path under
 * load, fifth pass"). So: a socket error ends the socket, the response is
 * detached from it, and the close is logged here (fastify logged it as the
 * request's completion, through the response now detached).
 */
export function releaseUpgrade(socket: WebSocket, request: FastifyRequest): void {
  const theirs = socket.listeners('error') as ((err: Error) => void)[];
  socket.on('error', () => socket.terminate());
  for (const listener of theirs) socket.off('error', listener);
  const raw = request.raw.socket as typeof request.raw.socket & { _httpMessage?: ServerResponse | null };
  raw._httpMessage?.detachSocket(raw);
  // The server's logger and the request's id, not the request's own child logger (kept for the socket's life).
  const { log } = request.server;
  const reqId = request.id;
  const opened = performance.now();
  socket.on('close', (code) => log.info({ reqId, code, durationMs: Math.round(performance.now() - opened) }, 'terminal socket closed'));
}

// Server-sent events for the browser: a line per committed change, so pages
// refetch what they show instead of polling.
import type { FastifyInstance } from 'fastify';
import type { LoginWatch } from '../auth/login-watch.js';
import type { ChangeFeed, FeedMessage } from './change-feed.js';
import type { EventVisibility } from './event-visibility.js';

const PING_MS = 15_000;

export default async function eventsRoutes(app: FastifyInstance, { feed, loginWatch, visible }: { feed: ChangeFeed; loginWatch: LoginWatch; visible: EventVisibility }) {
  app.get('/api/events', { preValidation: app.authenticate }, (request, reply) => {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    res.write(': connected\n\n');
    const onMessage = (m: FeedMessage) => {
      if (m.type !== 'change') return;
      void visible(request.auth, m).then((ok) => {
        if (ok && !res.writableEnded) res.write(`event: change\ndata: ${JSON.stringify({ kind: m.kind, id: m.id })}\n\n`);
      }, () => {});
    };
    const ping = setInterval(() => res.write(': ping\n\n'), PING_MS);
    feed.on('message', onMessage);
    // The stream lives only as long as the login it was opened with (see LoginWatch).
    const { id, username, jti } = request.auth;
    const unbind = loginWatch.bind({ sub: id, username, jti }, () => res.end());
    request.raw.on('close', () => {
      clearInterval(ping);
      feed.off('message', onMessage);
      unbind();
    });
  });
}

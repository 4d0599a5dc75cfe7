// Server-sent events for the browser: a line per committed change, so pages
// refetch what they show instead of polling. A user's stream carries only the
// changes they may read elsewhere (event-visibility.ts) and lives only as long
// as the login it was opened with (LoginWatch). Each event has an id; a browser
// that reconnects with Last-Event-ID gets the changes it missed, or a `reset`
// event (refetch everything) when this replica cannot know them.
import type { FastifyInstance } from 'fastify';
import type { LoginWatch } from '../auth/login-watch.js';
import type { ChangeFeed } from './change-feed.js';
import { EventLog, type LoggedChange } from './event-log.js';
import type { EventVisibility } from './event-visibility.js';

const PING_MS = 15_000;

type Deps = { feed: ChangeFeed; loginWatch: LoginWatch; visible: EventVisibility };

export default async function eventsRoutes(app: FastifyInstance, { feed, loginWatch, visible }: Deps) {
  const log = new EventLog();
  feed.on('message', (m) => {
    if (m.type === 'change') log.append(m.kind, m.id);
  });
  const frame = (e: LoggedChange) => `id: ${log.eventId(e)}\nevent: change\ndata: ${JSON.stringify({ kind: e.kind, id: e.id })}\n\n`;

  // Open streams would hold the server's close forever: end them first.
  const open = new Set<NodeJS.WritableStream>();
  app.addHook('preClose', async () => {
    for (const res of open) res.end();
  });

  app.get('/api/events', { preValidation: app.authenticate }, (request, reply) => {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    res.write(': connected\n\n');
    const send = (e: LoggedChange) => {
      void visible(request.auth, e).then(
        (ok) => {
          if (ok && !res.writableEnded) res.write(frame(e));
        },
        () => {},
      );
    };
    const lastId = request.headers['last-event-id'];
    if (typeof lastId === 'string') {
      const missed = log.since(lastId);
      if (missed) missed.forEach(send);
      else res.write('event: reset\ndata: {}\n\n');
    }
    const ping = setInterval(() => res.write(': ping\n\n'), PING_MS);
    log.on('entry', send);
    open.add(res);
    const { id, username, jti } = request.auth;
    const unbind = loginWatch.bind({ sub: id, username, jti }, () => res.end());
    request.raw.on('close', () => {
      open.delete(res);
      clearInterval(ping);
      log.off('entry', send);
      unbind();
    });
  });
}

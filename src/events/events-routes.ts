// Server-sent events for the browser: a line per committed change, so pages
// refetch what they show instead of polling. Each event has an id; a browser
// that reconnects with Last-Event-ID gets the changes it missed, or a `reset`
// event (refetch everything) when this replica cannot know them.
import type { FastifyInstance } from 'fastify';
import type { ChangeFeed } from './change-feed.js';
import { EventLog, type LoggedChange } from './event-log.js';

const PING_MS = 15_000;
const frame = (e: LoggedChange) => `id: ${e.id}\nevent: change\ndata: ${e.data}\n\n`;

export default async function eventsRoutes(app: FastifyInstance, { feed }: { feed: ChangeFeed }) {
  const log = new EventLog();
  feed.on('message', (m) => {
    if (m.type === 'change') log.append(JSON.stringify({ kind: m.kind, id: m.id }));
  });

  // Open streams would hold the server's close forever: end them first.
  const open = new Set<NodeJS.WritableStream>();
  app.addHook('preClose', async () => {
    for (const res of open) res.end();
  });

  app.get('/api/events', { preHandler: app.authenticate }, (request, reply) => {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    res.write(': connected\n\n');
    const lastId = request.headers['last-event-id'];
    if (typeof lastId === 'string') {
      const missed = log.since(lastId);
      res.write(missed ? missed.map(frame).join('') : 'event: reset\ndata: {}\n\n');
    }
    const onEntry = (e: LoggedChange) => res.write(frame(e));
    const ping = setInterval(() => res.write(': ping\n\n'), PING_MS);
    log.on('entry', onEntry);
    open.add(res);
    request.raw.on('close', () => {
      open.delete(res);
      clearInterval(ping);
      log.off('entry', onEntry);
    });
  });
}

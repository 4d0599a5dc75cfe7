// What the provider tests share: the operator's replacement service, played by
// a real HTTP server on loopback that hands each request's body to `handle` and
// is closed after the test; and a host replaced by a given provider.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { TestContext } from 'node:test';
import type { Harness } from '../helpers/harness.js';

export async function receiver(t: TestContext, handle: (req: IncomingMessage, body: string, res: ServerResponse) => void): Promise<string> {
  const server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    handle(req, body, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(
    () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(r);
      }),
  );
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

/** A `local` staging host on web-base whose replacement is `replacement` (a provider and its settings), as an admin creates it. */
export async function hostReplacedBy(h: Harness, name: string, replacement: Record<string, unknown>) {
  const imageId = (await h.prisma.image.findFirstOrThrow({ where: { name: 'web-base' } })).id;
  return h.api('admin', 'POST', '/api/hosts', { name, environment: 'staging', imageId, connector: 'local', connectorConfig: { replacement } });
}

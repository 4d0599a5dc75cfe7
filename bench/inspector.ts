// The JavaScript heap another Node process keeps, read from outside through its
// inspector (the Chrome DevTools protocol): `HeapProfiler.collectGarbage`,
// then `Runtime.getHeapUsage`. The broker and the relay are both started with
// `--inspect=127.0.0.1:0`, so the heap their idle sessions keep is read the
// same way for both, without the garbage of opening them. RSS alone moved
// between 30 and 340 KB an idle session from run to run, with how much garbage
// V8 had not yet collected and what it had handed back to the system; a read
// of RSS right after a full collection moved as much (pages go back later).
import WebSocket from 'ws';

/** The node argument that opens the inspector on a free loopback port. */
export const INSPECT_ARG = '--inspect=127.0.0.1:0';

/** The inspector's address, from the "Debugger listening on ws://…" line a process prints on stderr. */
export function inspectorUrl(output: string): string | undefined {
  return /Debugger listening on (ws:\/\/\S+)/.exec(output)?.[1];
}

/** Bytes of JavaScript heap in use in the process behind `url`, after a full collection. */
export async function heapAfterCollection(url: string): Promise<number> {
  const ws = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  type Reply = { id?: number; result?: { usedSize?: number }; error?: { message: string } };
  const replies = new Map<number, (r: Reply) => void>();
  ws.on('message', (data) => {
    const reply = JSON.parse(String(data)) as Reply;
    if (reply.id !== undefined) replies.get(reply.id)?.(reply);
  });
  let next = 0;
  const call = (method: string) =>
    new Promise<{ usedSize?: number }>((resolve, reject) => {
      const id = ++next;
      replies.set(id, (r) => (r.error ? reject(new Error(`${method}: ${r.error.message}`)) : resolve(r.result ?? {})));
      ws.send(JSON.stringify({ id, method }));
    });
  try {
    await call('HeapProfiler.collectGarbage');
    const { usedSize } = await call('Runtime.getHeapUsage');
    if (usedSize === undefined) throw new Error('Runtime.getHeapUsage gave no usedSize');
    return usedSize;
  } finally {
    ws.close();
  }
}

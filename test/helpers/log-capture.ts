// The broker's log lines, kept in memory so a test can read what it wrote.
import { Writable } from 'node:stream';

export function captureLogs(): { stream: Writable; text: () => string } {
  let logs = '';
  const stream = new Writable({
    write(chunk, _enc, done) {
      logs += chunk.toString();
      done();
    },
  });
  return { stream, text: () => logs };
}

// The fence's watchdog: a separate process, so that it still acts when the
// broker itself is frozen (SIGSTOP, a stalled VM, a debugger). The broker tells
// it, line by line on stdin, until when its lease is safe (`deadline <ms from
// now>`) and which shells it runs (`guard <pid>`, `release <pid>`). Past the
// deadline, or when the broker goes away (stdin closes), every guarded shell's
// process group is killed: a replica that cannot prove its lease runs nothing.
import { createInterface } from 'node:readline';

const guarded = new Set();
let deadline = 0; // no lease yet: nothing may run
let timer;

function kill(pid) {
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
}

function lapse() {
  for (const pid of guarded) kill(pid);
  guarded.clear();
}

// Signals meant for the broker's terminal (Ctrl-C) must not take the fence down first.
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => {});

createInterface({ input: process.stdin })
  .on('line', (line) => {
    const [command, arg] = line.split(' ');
    const n = Number(arg);
    if (!Number.isFinite(n)) return;
    if (command === 'deadline') {
      deadline = performance.now() + n;
      clearTimeout(timer);
      timer = setTimeout(lapse, Math.max(0, n));
    } else if (command === 'guard') {
      guarded.add(n);
      if (performance.now() >= deadline) lapse();
    } else if (command === 'release') {
      guarded.delete(n);
    }
  })
  .on('close', () => {
    lapse();
    process.exit(0);
  });

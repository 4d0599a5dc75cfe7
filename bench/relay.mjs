// The reference the broker is measured against: a bare websocket relay of a
// pty, no recording, no auth. One binary frame per pty read, the pty paused
// while more than 1 MiB is unsent (the broker's own high-water mark).
// Run as a child process: prints "relay listening on <port>". Plain
// JavaScript, run without a TypeScript loader, as the broker runs compiled:
// tsx's kept function names would add a property store to every closure.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { WebSocketServer } from 'ws';
import { spawnShell } from './shell.mjs';

const HIGH_WATER = 1 << 20;
const LOW_WATER = 256 << 10;
const cwd = mkdtempSync(path.join(tmpdir(), 'breakglass-relay-'));
const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });

wss.on('connection', (ws) => {
  const pty = spawnShell(cwd);
  let paused = false;
  const flow = () => {
    if (!paused && ws.bufferedAmount > HIGH_WATER) {
      paused = true;
      pty.pause();
    } else if (paused && ws.bufferedAmount < LOW_WATER) {
      paused = false;
      pty.resume();
    }
  };
  pty.onData((d) => {
    ws.send(d, { binary: true }, flow);
    flow();
  });
  pty.onExit(() => setTimeout(() => ws.close(1000), 300));
  ws.on('message', (data, isBinary) => {
    if (isBinary) pty.write(data);
  });
  ws.on('close', () => pty.kill());
});

wss.on('listening', () => console.log(`relay listening on ${wss.address().port}`));

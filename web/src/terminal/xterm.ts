// The xterm.js setup shared by the live terminal and the replay player.
import { Terminal, type ITerminalInitOnlyOptions, type ITerminalOptions } from '@xterm/xterm';

export function createTerminal(options: ITerminalOptions & ITerminalInitOnlyOptions = {}): Terminal {
  return new Terminal({
    fontFamily: 'ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace',
    fontSize: 14,
    scrollback: 5000,
    theme: { background: '#0f1419', foreground: '#e6e1cf', cursor: '#f29718' },
    ...options,
  });
}

// The view of a live session: xterm.js fitted to its container. It knows
// nothing about websockets; the page wires it to a Tty.
import { FitAddon } from '@xterm/addon-fit';
import type { Terminal } from '@xterm/xterm';
import { DisposableStore, type Disposable } from '../disposable';
import { FontFit } from './font-fit';
import { createTerminal } from './xterm';

const READABLE_FONT = 11;

export class TerminalView implements Disposable {
  readonly term: Terminal;
  private readonly fitAddon = new FitAddon();
  private readonly store = new DisposableStore();

  /**
   * A watcher draws the session at the session's size, scaled to fit, instead of fitting its own window; but no
   * smaller than is readable on a phone: a wider session then scrolls in its container (the page styles that).
   */
  private readonly fontFit: FontFit | null;

  constructor(container: HTMLElement, readOnly: boolean) {
    this.term = createTerminal({ cursorBlink: !readOnly, disableStdin: readOnly });
    this.term.loadAddon(this.fitAddon);
    this.term.open(container);
    this.store.add(this.term);
    if (readOnly) {
      this.fontFit = this.store.add(
        new FontFit(this.term, container, {
          width: () => container.clientWidth,
          height: () => container.clientHeight - 6,
          maxFontSize: () => 16,
          minFontSize: () => READABLE_FONT,
        }),
      );
      return;
    }
    this.fontFit = null;
    let frame = 0;
    const observer = new ResizeObserver(() => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(() => this.fit());
    });
    observer.observe(container);
    this.store.addFn(() => {
      cancelAnimationFrame(frame);
      observer.disconnect();
    });
    this.fit();
  }

  /** The session's size, told by the broker to a watcher. */
  setSize(cols: number, rows: number): void {
    this.term.resize(cols, rows);
    this.fontFit?.schedule();
  }

  fit(): void {
    // Fitting a hidden or zero-sized container would shrink the pty to nothing.
    if (this.term.element?.offsetParent) this.fitAddon.fit();
  }

  /** Bytes handed to xterm.js that it has not parsed yet; flow control watches this. */
  pending = 0;

  write(bytes: Uint8Array | string, parsed?: () => void): void {
    const size = bytes.length;
    this.pending += size;
    this.term.write(bytes, () => {
      this.pending -= size;
      parsed?.();
    });
  }

  onInput(fn: (data: string) => void): Disposable {
    return this.term.onData(fn);
  }

  onResize(fn: (size: { cols: number; rows: number }) => void): Disposable {
    return this.term.onResize(fn);
  }

  dispose(): void {
    this.store.dispose();
  }
}

// Draws a terminal of a fixed size (a recording's, a watched session's) as
// large as fits its box, by font size rather than by an inner scrollbar or a
// CSS transform: every row and column is on screen, text stays crisp and
// selectable, and it follows the session's resizes.
import type { Terminal } from '@xterm/xterm';
import { DisposableStore, type Disposable } from '../disposable';

export interface FitBounds {
  width(): number;
  height(): number;
  /** The largest font size worth using (a small recording is not blown up). */
  maxFontSize(): number;
}

const MIN_FONT = 2;
const SCROLLBAR_ALLOWANCE = 16;

export class FontFit implements Disposable {
  private readonly store = new DisposableStore();
  private frame = 0;

  constructor(private readonly term: Terminal, watched: HTMLElement, private readonly bounds: FitBounds) {
    const observer = new ResizeObserver(() => this.schedule());
    observer.observe(watched);
    const onWindow = () => this.schedule();
    window.addEventListener('resize', onWindow);
    document.addEventListener('fullscreenchange', onWindow);
    this.store.add(term.onResize(() => this.schedule()));
    this.store.addFn(() => {
      cancelAnimationFrame(this.frame);
      observer.disconnect();
      window.removeEventListener('resize', onWindow);
      document.removeEventListener('fullscreenchange', onWindow);
    });
  }

  schedule(): void {
    cancelAnimationFrame(this.frame);
    this.frame = requestAnimationFrame(() => this.fit());
  }

  /** The font size that fits the box, found in a few measured steps (cell sizes round). */
  fit(): void {
    const screen = this.term.element?.querySelector<HTMLElement>('.xterm-screen');
    if (!screen || !this.term.element?.offsetParent) return;
    const width = this.bounds.width() - SCROLLBAR_ALLOWANCE;
    const height = this.bounds.height();
    if (width <= 0 || height <= 0) return;
    const max = this.bounds.maxFontSize();
    const fits = () => screen.offsetWidth <= width && screen.offsetHeight <= height;
    for (let step = 0; step < 4; step++) {
      const font = this.term.options.fontSize ?? 14;
      const scale = Math.min(width / Math.max(1, screen.offsetWidth), height / Math.max(1, screen.offsetHeight));
      const next = Math.max(MIN_FONT, Math.min(max, Math.floor(font * scale * 4) / 4));
      if (next === font) break;
      this.term.options.fontSize = next;
    }
    for (let step = 0; step < 12 && !fits() && (this.term.options.fontSize ?? 14) > MIN_FONT; step++) {
      this.term.options.fontSize = (this.term.options.fontSize ?? 14) - 0.25;
    }
  }

  dispose(): void {
    this.store.dispose();
  }
}

// Draws a terminal of a fixed size (a recording's, a watched session's) as
// large as fits its box, by font size rather than by a CSS transform: text
// stays crisp and selectable, and it follows the session's resizes. Down to
// the bounds' smallest font size, every row and column is on screen; below it,
// the box is left to scroll.
import type { Terminal } from '@xterm/xterm';
import { DisposableStore, type Disposable } from '../disposable';

export interface FitBounds {
  width(): number;
  height(): number;
  /** The largest font size worth using (a small recording is not blown up). */
  maxFontSize(): number;
  /** The smallest font size to draw at, though the terminal then overflows the box. */
  minFontSize(): number;
}

const SCROLLBAR_ALLOWANCE = 16;

export class FontFit implements Disposable {
  private readonly store = new DisposableStore();
  private frame = 0;
  private observedScreen: HTMLElement | null = null;
  private readonly screenObserver = new ResizeObserver(() => this.schedule());

  constructor(
    private readonly term: Terminal,
    watched: HTMLElement,
    private readonly bounds: FitBounds,
  ) {
    const observer = new ResizeObserver(() => this.schedule());
    observer.observe(watched);
    const onWindow = () => this.schedule();
    window.addEventListener('resize', onWindow);
    document.addEventListener('fullscreenchange', onWindow);
    this.store.add(term.onResize(() => this.schedule()));
    this.store.addFn(() => {
      cancelAnimationFrame(this.frame);
      observer.disconnect();
      this.screenObserver.disconnect();
      window.removeEventListener('resize', onWindow);
      document.removeEventListener('fullscreenchange', onWindow);
    });
  }

  schedule(): void {
    cancelAnimationFrame(this.frame);
    this.frame = requestAnimationFrame(() => this.fit());
  }

  /**
   * One step towards the font size that fits the box. xterm.js lays out the new
   * size later, so each step measures afresh: the screen's own ResizeObserver
   * calls this again until the size settles (cell sizes round, so a final step
   * may shrink by a quarter pixel).
   */
  fit(): void {
    const screen = this.term.element?.querySelector<HTMLElement>('.xterm-screen');
    if (!screen || !this.term.element?.offsetParent) return;
    if (screen !== this.observedScreen) {
      this.observedScreen = screen;
      this.screenObserver.observe(screen);
    }
    const width = this.bounds.width() - SCROLLBAR_ALLOWANCE;
    const height = this.bounds.height();
    if (width <= 0 || height <= 0 || screen.offsetWidth === 0) return;
    const font = this.term.options.fontSize ?? 14;
    const min = this.bounds.minFontSize();
    const fits = screen.offsetWidth <= width && screen.offsetHeight <= height;
    const scale = Math.min(width / screen.offsetWidth, height / screen.offsetHeight);
    let next = Math.max(min, Math.min(this.bounds.maxFontSize(), Math.floor(font * scale * 4) / 4));
    if (next === font && !fits) next = Math.max(min, font - 0.25);
    if (next !== font) this.term.options.fontSize = next;
  }

  dispose(): void {
    this.store.dispose();
  }
}

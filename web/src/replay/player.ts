// Plays a parsed asciicast into an xterm.js terminal: play/pause, speed, and
// seek (by replaying all output up to the target, so the screen is exact).
import { SearchAddon } from '@xterm/addon-search';
import type { Terminal } from '@xterm/xterm';
import type { Disposable } from '../disposable';
import { createTerminal } from '../terminal/xterm';
import { parseSize, type Cast } from './asciicast';

export interface PlayerHandlers {
  time(ms: number): void;
  playing(playing: boolean): void;
}

export class Player implements Disposable {
  readonly term: Terminal;
  private readonly search = new SearchAddon();
  private position = 0;
  /** Index of the next event to apply. */
  private next = 0;
  private speed = 1;
  private frame = 0;
  private started: { wall: number; position: number } | null = null;

  constructor(
    container: HTMLElement,
    private readonly cast: Cast,
    private readonly on: PlayerHandlers,
  ) {
    this.term = createTerminal({ cols: cast.width, rows: cast.height, disableStdin: true, cursorBlink: false, scrollback: 10000 });
    this.term.loadAddon(this.search);
    this.term.open(container);
  }

  get playing(): boolean {
    return this.started !== null;
  }

  get time(): number {
    return this.position;
  }

  play(): void {
    if (this.playing) return;
    if (this.position >= this.cast.durationMs) this.seek(0);
    this.started = { wall: performance.now(), position: this.position };
    this.on.playing(true);
    this.loop();
  }

  pause(): void {
    if (!this.playing) return;
    cancelAnimationFrame(this.frame);
    this.started = null;
    this.on.playing(false);
  }

  toggle(): void {
    if (this.playing) this.pause();
    else this.play();
  }

  setSpeed(speed: number): void {
    if (this.started) this.started = { wall: performance.now(), position: this.position };
    this.speed = speed;
  }

  /** Shows the screen as it was at `ms`: everything printed up to then, in one write. */
  seek(ms: number, then?: () => void): void {
    const target = Math.max(0, Math.min(ms, this.cast.durationMs));
    if (this.started) this.started = { wall: performance.now(), position: target };
    if (target < this.position || this.next === 0) {
      this.term.reset();
      this.term.resize(this.cast.width, this.cast.height);
      this.next = 0;
    }
    this.position = target;
    this.apply(target, then);
    this.on.time(target);
  }

  /** Seeks to just after event `index` (for search hits, so the found text is on screen). */
  seekToEvent(index: number, then?: () => void): void {
    this.pause();
    const event = this.cast.events[index];
    if (!event) return;
    // Several events may share a timestamp; replay exactly up to this one.
    if (event.t < this.position || this.next > index + 1) {
      this.term.reset();
      this.term.resize(this.cast.width, this.cast.height);
      this.next = 0;
    }
    this.position = event.t;
    this.applyUntil(index + 1, then);
    this.on.time(event.t);
  }

  highlight(query: string): boolean {
    this.search.clearDecorations();
    // Search back from the bottom, not from an earlier match's selection: the
    // text just printed is the last occurrence, and it must be the one shown.
    this.term.clearSelection();
    this.term.scrollToBottom();
    return query ? this.search.findPrevious(query, { caseSensitive: false }) : false;
  }

  private loop(): void {
    this.frame = requestAnimationFrame(() => {
      if (!this.started) return;
      const now = this.started.position + (performance.now() - this.started.wall) * this.speed;
      this.position = Math.min(now, this.cast.durationMs);
      this.apply(this.position);
      this.on.time(this.position);
      if (this.position >= this.cast.durationMs) this.pause();
      else this.loop();
    });
  }

  private apply(untilMs: number, then?: () => void): void {
    let end = this.next;
    while (end < this.cast.events.length && this.cast.events[end].t <= untilMs) end += 1;
    this.applyUntil(end, then);
  }

  private applyUntil(end: number, then?: () => void): void {
    let out = '';
    for (; this.next < end; this.next += 1) {
      const e = this.cast.events[this.next];
      if (e.code === 'o') out += e.data;
      else if (e.code === 'r') {
        const size = parseSize(e.data);
        if (size) {
          if (out) this.term.write(out);
          out = '';
          this.term.resize(size.cols, size.rows);
        }
      }
    }
    this.term.write(out, then);
  }

  dispose(): void {
    cancelAnimationFrame(this.frame);
    this.started = null;
    this.term.dispose();
  }
}

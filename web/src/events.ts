// Live updates: one EventSource for the whole app; pages subscribe to the kinds
// they show and refetch (debounced, since one action often emits several changes).
import type { Disposable } from './disposable';
import type { Change, ChangeKind } from './types';

type Listener = { kinds: ChangeKind[]; fn: (change: Change) => void };

export class LiveEvents implements Disposable {
  private source: EventSource | null = null;
  private listeners = new Set<Listener>();

  constructor(private readonly onLost: () => void) {}

  subscribe(kinds: ChangeKind[], fn: () => void, debounceMs = 150): Disposable {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const listener: Listener = {
      kinds,
      fn: () => {
        clearTimeout(timer);
        timer = setTimeout(fn, debounceMs);
      },
    };
    this.listeners.add(listener);
    this.open();
    return {
      dispose: () => {
        clearTimeout(timer);
        this.listeners.delete(listener);
      },
    };
  }

  private open(): void {
    if (this.source) return;
    const source = new EventSource('/api/events', { withCredentials: true });
    source.addEventListener('change', (event) => {
      let change: Change;
      try {
        change = JSON.parse((event as MessageEvent<string>).data) as Change;
      } catch {
        return;
      }
      for (const l of this.listeners) if (l.kinds.includes(change.kind)) l.fn(change);
    });
    // The server could not say what was missed while disconnected: every page refetches.
    source.addEventListener('reset', () => {
      for (const l of this.listeners) for (const kind of l.kinds) l.fn({ kind, id: '' });
    });
    // The browser retries by itself after a network error; CLOSED means the server refused (e.g. 401).
    source.addEventListener('error', () => {
      if (source.readyState === EventSource.CLOSED) {
        this.source = null;
        this.onLost();
      }
    });
    this.source = source;
  }

  dispose(): void {
    this.source?.close();
    this.source = null;
    this.listeners.clear();
  }
}

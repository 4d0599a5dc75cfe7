// Everything that holds a timer, a socket or a listener is disposed by exactly
// one owner (a page, a terminal, a player) when that owner goes away.
export interface Disposable {
  dispose(): void;
}

export class DisposableStore implements Disposable {
  private items: Disposable[] = [];
  private disposed = false;

  add<T extends Disposable>(item: T): T {
    if (this.disposed) item.dispose();
    else this.items.push(item);
    return item;
  }

  addFn(fn: () => void): void {
    this.add({ dispose: fn });
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const item of this.items.splice(0).reverse()) item.dispose();
  }
}

export function every(ms: number, fn: () => void): Disposable {
  const handle = setInterval(fn, ms);
  return { dispose: () => clearInterval(handle) };
}

export function after(ms: number, fn: () => void): Disposable {
  const handle = setTimeout(fn, ms);
  return { dispose: () => clearTimeout(handle) };
}

export function listen<K extends keyof WindowEventMap>(target: Window, type: K, fn: (e: WindowEventMap[K]) => void): Disposable;
export function listen(target: EventTarget, type: string, fn: (e: Event) => void): Disposable;
export function listen(target: EventTarget, type: string, fn: (e: Event) => void): Disposable {
  target.addEventListener(type, fn);
  return { dispose: () => target.removeEventListener(type, fn) };
}

// What every page gets, and the loading/error pattern every page uses.
import { messageOf } from './api';
import type { DisposableStore, Disposable } from './disposable';
import { alertBox, el, replace } from './dom';
import type { LiveEvents } from './events';
import type { Role, User } from './types';

export interface PageContext {
  user: User;
  params: Record<string, string>;
  query: URLSearchParams;
  events: LiveEvents;
  navigate(to: string, opts?: { replace?: boolean }): void;
  /** Disposed when the user leaves the page. */
  store: DisposableStore;
}

export type Page = (root: HTMLElement, ctx: PageContext) => void;

export function hasRole(user: User, ...roles: Role[]): boolean {
  return roles.some((r) => user.roles.includes(r));
}

/** The page heading; focused after navigation so keyboard and screen reader users land on it. */
export function heading(text: string, ...extra: Node[]): HTMLElement {
  return el('div', { class: 'page-head' }, el('h1', { tabindex: -1 }, text), ...extra);
}

/**
 * Renders `render(await load())` into `region`, with a loading state the first
 * time and an error with a retry button when loading fails. Later refreshes keep
 * the old content until the new one is ready. Returns the refresh function.
 */
export function loader<T>(region: HTMLElement, store: DisposableStore, load: () => Promise<T>, render: (data: T) => void): () => Promise<void> {
  let loaded = false;
  let generation = 0;
  const refresh = async () => {
    const mine = ++generation;
    if (!loaded) replace(region, el('p', { class: 'loading', role: 'status' }, 'Loading…'));
    region.setAttribute('aria-busy', 'true');
    try {
      const data = await load();
      if (store.isDisposed || mine !== generation) return;
      loaded = true;
      render(data);
    } catch (error) {
      if (store.isDisposed || mine !== generation) return;
      replace(region, alertBox(messageOf(error)), el('button', { type: 'button', onclick: () => void refresh() }, 'Try again'));
      loaded = false;
    } finally {
      if (mine === generation) region.removeAttribute('aria-busy');
    }
  };
  void refresh();
  return refresh;
}

export type { Disposable };

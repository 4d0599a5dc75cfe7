// A tiny history router: patterns like "/requests/:id", in-app links handled
// without a reload, back/forward through popstate.
import type { Disposable } from './disposable';

export interface Match<R> {
  route: R;
  params: Record<string, string>;
}

export function matchRoute<R extends { path: string }>(routes: R[], pathname: string): Match<R> | null {
  const parts = pathname.replace(/\/+$/, '').split('/').slice(1);
  for (const route of routes) {
    const pattern = route.path.replace(/\/+$/, '').split('/').slice(1);
    if (pattern.length !== parts.length) continue;
    const params: Record<string, string> = {};
    const ok = pattern.every((p, i) => {
      if (p.startsWith(':')) {
        params[p.slice(1)] = decodeURIComponent(parts[i]);
        return parts[i] !== '';
      }
      return p === parts[i];
    });
    if (ok) return { route, params };
  }
  return null;
}

/** Calls `render` on start, on back/forward and on clicks on same-origin links. */
export function startRouter(render: () => void): Disposable {
  const onPop = () => render();
  const onClick = (event: MouseEvent) => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const a = (event.target as Element | null)?.closest?.('a');
    if (!a || a.target || a.hasAttribute('download')) return;
    const url = new URL(a.href, location.href);
    if (url.origin !== location.origin || url.pathname.startsWith('/api/')) return;
    event.preventDefault();
    navigate(url.pathname + url.search + url.hash);
  };
  window.addEventListener('popstate', onPop);
  document.addEventListener('click', onClick);
  render();
  return {
    dispose() {
      window.removeEventListener('popstate', onPop);
      document.removeEventListener('click', onClick);
    },
  };
}

export function navigate(to: string, opts: { replace?: boolean } = {}): void {
  if (opts.replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  window.dispatchEvent(new PopStateEvent('popstate'));
}

// The shell: who is logged in, the header and nav for their roles, and which
// page is mounted. Each page lives in a DisposableStore dropped on navigation.
import { api, ApiError, messageOf, whenUnauthorized } from './api';
import { DisposableStore } from './disposable';
import { el, replace } from './dom';
import { LiveEvents } from './events';
import { hasRole, type Page } from './page';
import { matchRoute, navigate, startRouter } from './router';
import type { Role, User } from './types';
import { approvalsPage } from './pages/approvals';
import { auditPage } from './pages/audit';
import { driftPage } from './pages/drift';
import { fleetPage } from './pages/fleet';
import { loginPage } from './pages/login';
import { newRequestPage } from './pages/request-new';
import { requestPage } from './pages/request';
import { requestsPage } from './pages/requests';
import { replayPage } from './pages/replay';
import { sessionsPage } from './pages/sessions';
import { terminalPage } from './pages/terminal';
import { adminPage } from './pages/admin';
import { noAccessPage } from './pages/no-access';
import { reviewsPage } from './pages/reviews';
import { capturePage } from './pages/capture';
import { searchPage } from './pages/search';
import { accessDenied, unreachablePage } from './components/access-denied';
import { PendingCount } from './components/pending-count';

interface Route {
  path: string;
  page: Page;
  title: string;
  /** Full-window pages (the terminal) draw their own bar instead of the header. */
  bare?: boolean;
  /** Who may see the page; anyone else gets "you do not have access" (the API refuses them too). */
  roles?: Role[];
}

const routes: Route[] = [
  { path: '/fleet', page: fleetPage, title: 'Fleet' },
  { path: '/requests/new', page: newRequestPage, title: 'Request access', roles: ['requester'] },
  { path: '/requests', page: requestsPage, title: 'Requests' },
  { path: '/requests/:id', page: requestPage, title: 'Request' },
  { path: '/approvals', page: approvalsPage, title: 'Approvals', roles: ['approver'] },
  { path: '/sessions', page: sessionsPage, title: 'Sessions', roles: ['approver', 'auditor', 'admin'] },
  { path: '/sessions/:id', page: replayPage, title: 'Replay' },
  { path: '/sessions/:id/terminal', page: terminalPage, title: 'Terminal', bare: true },
  { path: '/audit', page: auditPage, title: 'Audit', roles: ['auditor', 'admin'] },
  { path: '/search', page: searchPage, title: 'Search recordings', roles: ['auditor', 'admin'] },
  { path: '/drift', page: driftPage, title: 'Drift ledger', roles: ['admin', 'auditor', 'approver'] },
  { path: '/admin', page: adminPage, title: 'Administration', roles: ['admin'] },
  { path: '/reviews', page: reviewsPage, title: 'Emergency reviews' },
  { path: '/captures/:id', page: capturePage, title: 'What changed' },
];

const nav: { path: string; label: string; roles: Role[] }[] = [
  { path: '/fleet', label: 'Fleet', roles: ['requester', 'approver', 'auditor', 'admin'] },
  { path: '/requests/new', label: 'Request access', roles: ['requester'] },
  { path: '/requests', label: 'Requests', roles: ['requester', 'approver'] },
  { path: '/approvals', label: 'Approvals', roles: ['approver'] },
  { path: '/sessions', label: 'Sessions', roles: ['approver', 'auditor', 'admin'] },
  { path: '/audit', label: 'Audit', roles: ['auditor', 'admin'] },
  { path: '/search', label: 'Search', roles: ['auditor', 'admin'] },
  { path: '/drift', label: 'Drift', roles: ['admin', 'auditor', 'approver'] },
  { path: '/admin', label: 'Admin', roles: ['admin'] },
  { path: '/reviews', label: 'Reviews', roles: ['approver', 'auditor'] },
];

function homeOf(user: User): string {
  if (hasRole(user, 'approver')) return '/approvals';
  if (hasRole(user, 'requester')) return '/fleet';
  if (hasRole(user, 'auditor')) return '/sessions';
  return '/drift';
}

export class App {
  private user: User | null = null;
  private events: LiveEvents | null = null;
  private pageStore = new DisposableStore();
  private loginMessage: string | null = null;
  private pending: PendingCount | null = null;

  constructor(private readonly root: HTMLElement) {}

  async start(): Promise<void> {
    whenUnauthorized(() => this.expired());
    try {
      // Not /api/me: on a fresh visit "not logged in" is an answer, not a 401 in the console.
      this.user = (await api.whoami()).user;
    } catch (error) {
      // The broker cannot be reached: that is not being logged out.
      return unreachablePage(this.root, messageOf(error), () => void this.start());
    }
    startRouter(() => this.render());
  }

  private expired(): void {
    if (!this.user) return;
    this.loggedOut('Your session has expired — log in again.');
  }

  private loggedOut(message: string | null): void {
    this.user = null;
    this.events?.dispose();
    this.events = null;
    this.pending?.dispose();
    this.pending = null;
    this.loginMessage = message;
    const here = location.pathname + location.search;
    navigate(here.startsWith('/login') || message === null ? '/login' : `/login?next=${encodeURIComponent(here)}`, { replace: true });
  }

  private render(): void {
    this.pageStore.dispose();
    this.pageStore = new DisposableStore();
    const path = location.pathname;
    const query = new URLSearchParams(location.search);
    if (!this.user && path === '/no-access') {
      document.title = 'No access · breakglass';
      const main = el('main', { id: 'main', class: 'login-main' });
      replace(this.root, main);
      return noAccessPage(main);
    }
    if (!this.user) {
      if (path !== '/login') return navigate(`/login?next=${encodeURIComponent(path + location.search)}`, { replace: true });
      document.title = 'Log in · breakglass';
      const main = el('main', { id: 'main', class: 'login-main' });
      replace(this.root, main);
      const message = this.loginMessage;
      this.loginMessage = null;
      return loginPage(main, message, (user) => {
        this.user = user;
        const next = query.get('next');
        navigate(next?.startsWith('/') && !next.startsWith('//') ? next : homeOf(user), { replace: true });
      });
    }
    if (path === '/' || path === '/login') return navigate(homeOf(this.user), { replace: true });
    this.events ??= new LiveEvents(
      () =>
        void api.me().catch((e) => {
          if (e instanceof ApiError && e.status === 401) this.expired();
        }),
    );
    if (!this.pending && hasRole(this.user, 'approver')) this.pending = new PendingCount(this.user, this.events);
    const match = matchRoute(routes, path);
    const main = el('main', { id: 'main', class: match?.route.bare ? 'bare' : '' });
    replace(this.root, match?.route.bare ? null : this.header(path), main);
    if (!match) {
      document.title = 'Not found · breakglass';
      replace(main, el('h1', { tabindex: -1 }, 'Page not found'), el('p', null, el('a', { href: homeOf(this.user) }, 'Go to the start page')));
      return;
    }
    document.title = `${match.route.title} · breakglass`;
    if (match.route.roles && !hasRole(this.user, ...match.route.roles)) {
      document.title = `No access · breakglass`;
      accessDenied(main, this.user, match.route.roles, homeOf(this.user));
      main.querySelector<HTMLElement>('h1')?.focus({ preventScroll: true });
      return;
    }
    match.route.page(main, {
      user: this.user,
      params: match.params,
      query,
      events: this.events,
      navigate,
      store: this.pageStore,
    });
    main.querySelector<HTMLElement>('h1')?.focus({ preventScroll: true });
  }

  private header(path: string): HTMLElement {
    const user = this.user!;
    const mine = nav.filter((n) => hasRole(user, ...n.roles));
    // The longest nav path that is this path or a parent of it is the current one.
    const current = mine.filter((n) => path === n.path || path.startsWith(n.path + '/')).sort((a, b) => b.path.length - a.path.length)[0];
    const links = mine.map((n) =>
      el(
        'li',
        null,
        el(
          'a',
          { href: n.path, 'aria-current': n === current ? 'page' : null },
          n.label,
          n.path === '/approvals' && this.pending ? this.pending.element : null,
        ),
      ),
    );
    const logout = el(
      'button',
      {
        type: 'button',
        class: 'link-button',
        onclick: () =>
          void api.logout().then(
            (r) => (r.endSessionUrl ? location.assign(r.endSessionUrl) : this.loggedOut(null)),
            () => this.loggedOut(null),
          ),
      },
      'Log out',
    );
    return el(
      'header',
      { class: 'app-header' },
      el(
        'a',
        {
          class: 'skip',
          href: '#main',
          onclick: (e) => {
            e.preventDefault();
            document.getElementById('main')?.querySelector<HTMLElement>('h1')?.focus();
          },
        },
        'Skip to content',
      ),
      el('a', { class: 'brand', href: homeOf(user) }, 'breakglass'),
      el('nav', { 'aria-label': 'Main' }, el('ul', null, links)),
      el(
        'div',
        { class: 'who' },
        el('span', { class: 'username', 'data-testid': 'username' }, user.username),
        el('span', { class: 'roles' }, user.roles.join(', ')),
        logout,
      ),
    );
  }
}

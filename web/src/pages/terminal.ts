// A live session in the full window: the terminal, and a bar with the host,
// the time left, the connection state, notices from the broker and, at the
// end, why the session ended and where to replay it.
import { api, messageOf } from '../api';
import { every, type DisposableStore } from '../disposable';
import { alertBox, el, replace } from '../dom';
import { clock, dateTime } from '../format';
import { hasRole, loader, type Page } from '../page';
import { endBanner } from '../components/end-banner';
import { noticeText } from '../terminal/reasons';
import { watchRevoke } from '../components/watch-revoke';
import { terminalUrl, Tty, type TtyState } from '../terminal/tty';
import { TerminalView } from '../terminal/view';
import type { Host, Session, User } from '../types';
import { emergencyBanner, extensionPanel } from '../components/people';

const stateText: Record<TtyState, string> = {
  connecting: 'Connecting…',
  open: 'Connected',
  reconnecting: 'Connection lost, reconnecting…',
  lost: 'Disconnected',
  ended: 'Ended',
};

export const terminalPage: Page = (root, ctx) => {
  const id = ctx.params.id;
  const region = el('div', { class: 'terminal-page' });
  replace(root, region);
  const load = async () => {
    const session = await api.session(id);
    return { session, host: await api.host(session.hostId).catch(() => null) };
  };
  loader(region, ctx.store, load, ({ session, host }) => {
    mount(region, session, host, ctx.user, ctx.store);
    if (session.user !== ctx.user.username) return;
    const panel = extensionPanel(() => api.request(session.requestId));
    const top = el('div', { class: 'people' }, panel.element);
    region.insertBefore(top, region.querySelector('.screen'));
    const refresh = async () => {
      await panel.refresh();
      const r = await api.request(session.requestId).catch(() => null);
      replace(top, r ? emergencyBanner(r) : null, panel.element);
    };
    void refresh();
    ctx.store.add(ctx.events.subscribe(['request'], () => void refresh()));
  });
};

function mount(region: HTMLElement, session: Session, host: Host | null, me: User, store: DisposableStore): void {
  const readOnly = session.user !== me.username;
  let expiresAt = session.expiresAt ? Date.parse(session.expiresAt) : Date.now();
  const left = el('span', { class: 'time-left', 'data-testid': 'time-left' });
  const endsAt = el('time', { class: 'ends-at', 'data-testid': 'ends-at' });
  const state = el('span', { class: 'conn', role: 'status', 'data-testid': 'connection' });
  const notice = el('div', { class: 'notice', role: 'status', 'aria-live': 'polite', 'data-testid': 'notice' });
  const banner = el('div', { class: 'end-banner', hidden: true });
  const watchers = el('span', { class: 'watchers', 'data-testid': 'watchers', 'aria-live': 'polite' });
  const screen = el('div', { class: readOnly ? 'screen read-only' : 'screen', 'aria-label': `Terminal on ${session.hostName}` });
  const bar = el(
    'div',
    { class: 'term-bar' },
    el('a', { href: `/requests/${session.requestId}`, class: 'back', 'aria-label': 'Back to the request' }, '←'),
    el('h1', { tabindex: -1 }, session.hostName),
    readOnly ? el('span', { class: 'badge' }, `watching ${session.user} (read-only)`) : null,
    el('span', null, 'Time left ', left, ' · ends ', endsAt),
    state,
    watchers,
    readOnly && hasRole(me, 'approver', 'admin') ? watchRevoke(session, store) : null,
    notice,
  );
  replace(region, bar, banner, screen);

  const showEnd = (reason: string | null) => {
    tick.dispose();
    left.textContent = '—';
    left.classList.remove('urgent');
    endBanner(banner, session, host, reason, !readOnly);
  };

  const updateLeft = () => {
    const iso = new Date(expiresAt).toISOString();
    if (endsAt.dateTime !== iso) {
      endsAt.dateTime = iso;
      endsAt.textContent = dateTime(iso).slice(11);
    }
    left.textContent = clock(expiresAt - Date.now());
    left.classList.toggle('urgent', expiresAt - Date.now() < 60_000);
  };
  const tick = store.add(every(500, updateLeft));
  updateLeft();

  if (!session.live) {
    screen.hidden = true;
    state.textContent = stateText.ended;
    return showEnd(session.endReason);
  }

  const view = store.add(new TerminalView(screen, readOnly));
  let ended = false;
  // Flow control: xterm.js renders slower than a shell can print; past a
  // megabyte not yet parsed, the broker holds the shell until the view catches up.
  let held = false;
  const HOLD_ABOVE = 1 << 20;
  const RESUME_BELOW = 128 << 10;
  const tty = store.add(
    new Tty(terminalUrl(session.id), () => !ended && Date.now() < expiresAt, {
      data: (bytes) => {
        view.write(bytes, () => {
          if (held && view.pending < RESUME_BELOW) tty.hold((held = false));
        });
        if (!held && view.pending > HOLD_ABOVE) tty.hold((held = true));
      },
      control: (msg) => {
        switch (msg.type) {
          case 'notice':
            notice.textContent = noticeText(msg.message);
            expiresAt = Date.parse(msg.expiresAt);
            updateLeft();
            return;
          case 'exit':
            ended = true;
            showEnd(msg.reason);
            return;
          case 'size':
            if (readOnly) view.setSize(msg.cols, msg.rows);
            return;
          case 'expires':
            // An approved extension moved the end (told to the requester and every watcher).
            expiresAt = Date.parse(msg.expiresAt);
            updateLeft();
            return;
          case 'watchers':
            watchers.textContent = msg.users.length ? `Watched by ${msg.users.join(', ')}` : '';
            return;
          default:
            throw new Error(`unhandled control message ${JSON.stringify(msg)}`);
        }
      },
      state: (s) => {
        // Every (re)attach starts with the recent output: repaint from it rather than on top of the old screen.
        if (s === 'open') view.term.reset();
        state.textContent = stateText[s];
        state.dataset.state = s;
        if (s === 'lost' && !ended) {
          // The socket is gone for good: ask the broker how the session ended.
          void api.session(session.id).then(
            (now) => showEnd(now.endReason),
            (error) => {
              replace(banner, alertBox(`Disconnected from the session. ${messageOf(error)}`));
              banner.hidden = false;
            },
          );
        }
        if (s === 'ended' || s === 'lost') {
          view.term.options.disableStdin = true;
          view.write('\x1b[?25l'); // hide the cursor: nothing more can be typed
        }
      },
    }),
  );
  if (!readOnly) store.add(view.onInput((data) => tty.send(data)));
  if (!readOnly) {
    store.add(view.onResize(({ cols, rows }) => tty.resize(cols, rows)));
    tty.resize(view.term.cols, view.term.rows);
  }
  tty.connect();
  view.term.focus();
}

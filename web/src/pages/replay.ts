// Replay of a recorded session: the player, its controls, markers to jump to,
// search in the output, and the .cast download.
import { api } from '../api';
import { evidencePanel } from '../components/evidence';
import { alertBox, badge, el, field, replace, select } from '../dom';
import { listen, type DisposableStore } from '../disposable';
import { bytes, clock, dateTime } from '../format';
import { heading, loader, type Page } from '../page';
import { findInOutput, markersOf, parseCast, type Cast } from '../replay/asciicast';
import { commandsOf } from '../replay/commands';
import { Player } from '../replay/player';
import { replayContext } from '../replay/replay-context';
import { FontFit } from '../terminal/font-fit';
import { endReasonLabel } from '../terminal/reasons';
import type { AccessRequest, Session } from '../types';
import { changesSection } from '../components/changes';

export const replayPage: Page = (root, ctx) => {
  const id = ctx.params.id;
  const region = el('div');
  const head = heading('Replay');
  const changes = el('div');
  replace(root, head, region, changes);
  const refreshChanges = loader(
    changes,
    ctx.store,
    () => api.sessionChanges(id),
    (list) => replace(changes, changesSection(list)),
  );
  ctx.store.add(ctx.events.subscribe(['replacement'], () => void refreshChanges()));
  const progress = (received: number) => {
    const status = region.querySelector('.loading');
    if (status) status.textContent = `Loading the recording… ${bytes(received)} so far.`;
  };
  const load = async () => {
    const session = await api.session(id);
    const [request, cast] = await Promise.all([api.request(session.requestId).catch(() => null), api.recordingWithProgress(id, progress).then(parseCast)]);
    return { session, request, cast };
  };
  loader(region, ctx.store, load, ({ session, request, cast }) => {
    head.querySelector('h1')!.textContent = `Replay: ${session.user} on ${session.hostName}`;
    mount(region, session, request, cast, ctx.store, ctx.query.get('q'), Number(ctx.query.get('t') ?? NaN));
  });
};

function mount(
  region: HTMLElement,
  session: Session,
  request: AccessRequest | null,
  cast: Cast,
  store: DisposableStore,
  initialQuery: string | null,
  initialMs: number,
): void {
  const screen = el('div', {
    class: 'player-screen',
    tabindex: 0,
    role: 'group',
    'aria-label': 'Recording. Space plays or pauses, arrow keys seek 5 seconds.',
  });
  const playButton = el('button', { type: 'button', class: 'primary', 'aria-label': 'Play' }, '▶ Play');
  const seekBar = el('input', { type: 'range', min: 0, max: cast.durationMs, step: 10, value: 0, 'aria-label': 'Seek' });
  const time = el('span', { class: 'time', 'data-testid': 'player-time' });
  const speed = select(
    'speed',
    [
      ['1', '1×'],
      ['2', '2×'],
      ['4', '4×'],
      ['8', '8×'],
    ],
    '1',
    null,
  );
  speed.setAttribute('aria-label', 'Speed');

  const player = store.add(
    new Player(screen, cast, {
      time: (ms) => {
        seekBar.value = String(Math.round(ms));
        time.textContent = `${clock(ms)} / ${clock(cast.durationMs)}`;
      },
      playing: (playing) => {
        playButton.textContent = playing ? '❚❚ Pause' : '▶ Play';
        playButton.setAttribute('aria-label', playing ? 'Pause' : 'Play');
      },
    }),
  );
  player.seek(Number.isFinite(initialMs) ? initialMs : 0);
  playButton.addEventListener('click', () => player.toggle());
  // Dragging fires many input events; a backwards seek replays from the start, so do one per frame.
  let seekFrame = 0;
  seekBar.addEventListener('input', () => {
    cancelAnimationFrame(seekFrame);
    seekFrame = requestAnimationFrame(() => player.seek(Number(seekBar.value)));
  });
  store.addFn(() => cancelAnimationFrame(seekFrame));
  speed.addEventListener('change', () => player.setSpeed(Number(speed.value)));
  screen.addEventListener('keydown', (e) => {
    if (e.key === ' ') player.toggle();
    else if (e.key === 'ArrowRight') player.seek(player.time + 5000);
    else if (e.key === 'ArrowLeft') player.seek(player.time - 5000);
    else return;
    e.preventDefault();
  });

  const marks = [...markersOf(cast).filter((m) => m.kind !== 'resize'), ...commandsOf(cast)].sort((a, b) => a.t - b.t);
  const markers = el(
    'ol',
    { class: 'markers', 'data-testid': 'markers' },
    marks.map((m) =>
      el(
        'li',
        null,
        el(
          'button',
          {
            type: 'button',
            class: `link-button marker-${m.kind}`,
            onclick: () => {
              player.pause();
              player.seek(m.t);
            },
          },
          el('span', { class: 'time' }, clock(m.t)),
          ' ',
          m.label,
        ),
      ),
    ),
  );

  const query = el('input', { type: 'search', name: 'q', autocomplete: 'off' });
  const searchStatus = el('p', { class: 'search-status', role: 'status', 'data-testid': 'search-status' });
  let hits: number[] = [];
  let hit = -1;
  const show = () => {
    const index = hits[hit];
    const at = cast.events[index].t;
    player.seekToEvent(index, () => {
      player.highlight(query.value.trim());
      playerBox.scrollIntoView({ block: 'nearest' });
    });
    searchStatus.textContent = `Match ${hit + 1} of ${hits.length}, at ${clock(at)}.`;
  };
  const searchForm = el(
    'form',
    { class: 'search', role: 'search', 'aria-label': 'Search the output' },
    field('Find text in the output', query).wrapper,
    el(
      'div',
      { class: 'actions' },
      el('button', { type: 'submit' }, 'Find'),
      el(
        'button',
        {
          type: 'button',
          onclick: () => {
            if (hits.length) {
              hit = (hit + 1) % hits.length;
              show();
            }
          },
        },
        'Next match',
      ),
    ),
  );
  searchForm.addEventListener('submit', (e) => {
    e.preventDefault();
    hits = findInOutput(cast, query.value.trim());
    hit = 0;
    if (hits.length) show();
    else searchStatus.textContent = query.value.trim() ? 'Not found in the output.' : 'Type some text to find.';
  });

  const scroll = el('div', { class: 'player-scroll' }, screen);
  const controls = el('div', { class: 'controls' }, playButton, seekBar, time, speed);
  const playerBox = el('div', { class: 'player', 'data-testid': 'player' }, scroll, controls);
  const fullscreen = () => document.fullscreenElement === playerBox;
  const fit = store.add(
    new FontFit(player.term, scroll, {
      width: () => scroll.clientWidth,
      // The whole recorded screen and the controls fit in the window, so nothing hides under a scrollbar.
      height: () => window.innerHeight - controls.offsetHeight - (fullscreen() ? 24 : 110),
      maxFontSize: () => (fullscreen() ? 28 : 15),
      minFontSize: () => 2,
    }),
  );
  const fullButton = el('button', { type: 'button', 'data-testid': 'fullscreen' }, 'Full screen');
  fullButton.addEventListener('click', () => void (fullscreen() ? document.exitFullscreen() : playerBox.requestFullscreen()).catch(() => {}));
  store.add(
    listen(document, 'fullscreenchange', () => {
      fullButton.textContent = fullscreen() ? 'Exit full screen' : 'Full screen';
      fit.schedule();
    }),
  );
  controls.append(fullButton);
  store.addFn(() => {
    if (fullscreen()) void document.exitFullscreen().catch(() => {});
  });

  replace(
    region,
    replayContext(session, request),
    el(
      'dl',
      { class: 'facts inline' },
      el('dt', null, 'Started'),
      el('dd', null, dateTime(session.startedAt)),
      el('dt', null, 'Ended'),
      el('dd', null, session.live ? badge('live') : dateTime(session.endedAt)),
      el('dt', null, 'Result'),
      el('dd', null, session.endReason ? endReasonLabel(session.endReason) : '—'),
      el('dt', null, 'Traffic'),
      el('dd', null, `${bytes(session.bytesIn)} in, ${bytes(session.bytesOut)} out`),
    ),
    session.live ? alertBox('This session is still live; the recording shows it up to now.', 'info') : null,
    session.emergency
      ? el(
          'div',
          { class: 'alert alert-error emergency-banner', role: 'status', 'data-testid': 'emergency-banner' },
          el('strong', null, 'Emergency access. '),
          'This session was opened on an emergency grant, without the usual approvals.',
        )
      : null,
    playerBox,
    el(
      'div',
      { class: 'replay-side' },
      searchForm,
      searchStatus,
      el('section', null, el('h2', null, 'Commands and markers'), markers),
      el('p', null, el('a', { href: api.recordingUrl(session.id), download: `session-${session.id}.cast`, class: 'button' }, 'Download .cast')),
      evidencePanel(session, store),
    ),
  );

  fit.fit();
  if (initialQuery) {
    query.value = initialQuery;
    // From search across sessions: the match at that moment, not the first one.
    hits = findInOutput(cast, initialQuery.trim());
    const at = Number.isFinite(initialMs) ? hits.findIndex((i) => cast.events[i].t >= initialMs) : 0;
    if (at === -1 || hits.length === 0) searchForm.requestSubmit();
    else {
      hit = at;
      show();
    }
  }
}

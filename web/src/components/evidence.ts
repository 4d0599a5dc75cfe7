// Evidence on the replay page (whether the session's signed manifest and its
// recording agree, checked by the broker with the same code as the offline
// `npm run verify`, and the bundle to take away) and the signing key on the
// admin page. Auditors and admins only: others see nothing of it.
import { api, ApiError, messageOf } from '../api';
import { badge, el, replace } from '../dom';
import type { DisposableStore } from '../disposable';
import { hasRole, loader } from '../page';
import type { Session } from '../types';

export function evidencePanel(session: Session, store: DisposableStore): HTMLElement {
  const panel = el('section', { class: 'evidence', style: 'overflow-wrap: anywhere', 'aria-labelledby': 'evidence-h', 'data-testid': 'evidence' });
  const body = el('div', { 'aria-live': 'polite' });
  replace(panel, el('h2', { id: 'evidence-h' }, 'Evidence'), body);
  if (session.live) {
    replace(body, el('p', { class: 'muted' }, 'The manifest is signed when the session ends.'));
    return panel;
  }
  replace(body, el('p', { class: 'loading', role: 'status' }, 'Checking the recording against its signed manifest…'));
  // The replay page's context stays as it is (issue 14 reworks that page): the panel asks who is looking.
  api
    .me()
    .then((me) => {
      if (!hasRole(me, 'auditor', 'admin')) throw new ApiError(403, 'forbidden', 'auditors and admins only');
      return api.verifyEvidence(session.id);
    })
    .then(
      (report) => {
        if (store.isDisposed) return;
        replace(
          body,
          el('p', { 'data-testid': 'evidence-verdict' }, report.ok ? badge('verified', 'succeeded') : badge('does not verify', 'failed')),
          report.ok
            ? null
            : el(
                'ul',
                { class: 'problems' },
                report.problems.map((p) => el('li', null, p)),
              ),
          el(
            'p',
            { class: 'muted' },
            `${report.chunks} chunks; manifest sha256 `,
            el('code', null, report.manifestHash?.slice(0, 16) ?? '—'),
            '…; key ',
            el('code', null, report.keyFingerprint),
          ),
          el(
            'p',
            null,
            el('a', { href: api.evidenceUrl(session.id), download: `breakglass-evidence-${session.id}.tar`, class: 'button' }, 'Download evidence bundle'),
          ),
          el('p', { class: 'muted' }, 'Check it offline: ', el('code', null, 'npm run verify -- <bundle>.tar')),
        );
      },
      (error: unknown) => {
        if (store.isDisposed) return;
        if (error instanceof ApiError && error.status === 403) panel.remove();
        else replace(body, el('p', { class: 'error' }, `The evidence could not be checked: ${messageOf(error)}`));
      },
    );
  return panel;
}

/** The evidence signing key, for the admin page: auditors record its fingerprint. */
export function evidenceKeySection(store: DisposableStore): HTMLElement {
  const region = el('div');
  loader(region, store, api.evidenceKey, (key) =>
    replace(
      region,
      el(
        'p',
        null,
        'Session manifests and audit checkpoints are signed with this key (not the SSH CA). Auditors verify bundles with it; record its fingerprint somewhere the database cannot reach: ',
        el('code', null, key.fingerprint),
      ),
      el('pre', { class: 'key', tabindex: 0, 'aria-label': 'Evidence signing public key' }, key.publicKey),
    ),
  );
  return el('section', { 'aria-labelledby': 'evidence-key-h' }, el('h2', { id: 'evidence-key-h' }, 'Evidence signing key'), region);
}

// A local host's owner replica on the fleet page: which replica's machine the
// host is on and whether that replica holds its lease; for an admin, when the
// owner is gone, the hand-over to a live replica (rebuilt there from its image).
import { api, messageOf } from '../api';
import { alertBox, badge, confirmBox, el, replace } from '../dom';
import type { Host, Replica } from '../types';

export function ownerCell(host: Host, replicas: Replica[], admin: { status: HTMLElement; done: () => void } | null): HTMLElement {
  if (host.connector !== 'local') return el('span', { class: 'muted' }, 'any replica');
  if (!host.owner) return el('span', { class: 'muted' }, 'none: any replica runs it');
  const owner = replicas.find((r) => r.id === host.owner);
  // Not listed: the replicas could not be read just now (rows are never deleted), so nothing is claimed.
  if (!owner) return el('span', { class: 'host-owner' }, el('code', null, host.owner));
  const live = replicas.filter((r) => r.alive && r.id !== host.owner);
  return el(
    'span',
    { class: 'host-owner' },
    el('code', null, host.owner),
    ' ',
    owner.alive ? badge('alive', 'healthy') : badge('gone', 'failed'),
    admin && !owner.alive && live.length ? handOverControl(host, live, admin) : null,
  );
}

function handOverControl(host: Host, live: Replica[], admin: { status: HTMLElement; done: () => void }): HTMLElement {
  const box = el('div', { class: 'replace-control' });
  const initial = () => replace(box, el('button', { type: 'button', 'aria-label': `Hand ${host.name} over to a live replica`, onclick: ask }, 'Hand over'));
  function ask() {
    const to = el(
      'select',
      { 'aria-label': `Replica to take ${host.name}` },
      live.map((r) => el('option', { value: r.id }, r.id)),
    );
    const yes = el('button', { type: 'button', class: 'danger' }, `Yes, move ${host.name}`);
    const no = el('button', { type: 'button', onclick: initial }, 'Cancel');
    yes.addEventListener('click', async () => {
      yes.disabled = no.disabled = true;
      try {
        await api.handOverHost(host.id, to.value);
        replace(
          admin.status,
          alertBox(`${host.name} moves to ${to.value}, which rebuilds it from ${host.image.name} ${host.image.version} before any session.`, 'success'),
        );
        admin.done();
      } catch (error) {
        replace(admin.status, alertBox(`${host.name}: ${messageOf(error)}`));
        initial();
      }
    });
    replace(
      box,
      confirmBox(
        `Move ${host.name} off ${host.owner}?`,
        `Its directory stayed on that replica's machine: the new owner rebuilds it from ${host.image.name} ${host.image.version}, and what was on it is lost.`,
        to,
        yes,
        no,
      ),
    );
  }
  initial();
  return box;
}

// "Replace now" on the admin page: nothing is replaced before the admin has
// read which host, in which environment, and what it does to it; afterwards the
// status follows the live data until the new instance is up.
import { api, messageOf } from '../api';
import { alertBox, confirmBox, el, replace } from '../dom';
import type { Host } from '../types';

const REPLACEABLE = ['healthy', 'tainted', 'failed'];

/** What the admin asked for, so later refreshes can say how it went. */
export interface ReplacementWatch {
  hostId: string;
  name: string;
  fromInstance: number;
}

export function replaceControl(host: Host, status: HTMLElement, started: (watch: ReplacementWatch) => void): HTMLElement {
  const box = el('div', { class: 'replace-control' });
  const blocked = !REPLACEABLE.includes(host.state) || host.pendingReplacement !== null;
  const initial = () =>
    replace(
      box,
      el(
        'button',
        {
          type: 'button',
          disabled: blocked,
          'aria-label': `Replace now: ${host.name} (${host.environment})`,
          onclick: ask,
        },
        'Replace now',
      ),
    );
  function ask() {
    const yes = el('button', { type: 'button', class: 'danger' }, `Yes, replace ${host.name}`);
    const no = el('button', { type: 'button', onclick: initial }, 'Cancel');
    yes.addEventListener('click', async () => {
      yes.disabled = no.disabled = true;
      try {
        await api.replaceHost(host.id);
        started({ hostId: host.id, name: host.name, fromInstance: host.instance });
        initial();
      } catch (error) {
        replace(status, alertBox(`${host.name}: ${messageOf(error)}`));
        initial();
      }
    });
    replace(
      box,
      confirmBox(
        `Replace ${host.name} in ${host.environment}?`,
        `It is rebuilt from ${host.image.name} ${host.image.version} (instance ${host.instance} → ${host.instance + 1}); whatever is on it now is lost${host.state === 'healthy' ? ', although it is healthy' : ''}.`,
        yes,
        no,
      ),
    );
    yes.focus();
  }
  initial();
  return box;
}

/** The status line of a replacement the admin asked for, from the hosts as they are now. */
export function replacementStatus(watch: ReplacementWatch, hosts: Host[]): { text: string; done: boolean; failed: boolean } {
  const host = hosts.find((h) => h.id === watch.hostId);
  if (!host) return { text: `${watch.name} is no longer listed.`, done: true, failed: false };
  if (host.state === 'failed') return { text: `Replacement of ${watch.name} failed; see the drift ledger.`, done: true, failed: true };
  if (host.instance > watch.fromInstance && !host.pendingReplacement)
    return { text: `${watch.name} replaced: now instance ${host.instance}.`, done: true, failed: false };
  return { text: `Replacement of ${watch.name}: ${host.pendingReplacement?.status ?? 'scheduled'}…`, done: false, failed: false };
}

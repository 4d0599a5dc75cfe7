// A host's key as the broker last learnt it through the host CA (issue 13):
// shown under the host's name on the fleet page, where an operator checks
// what a replaced host should present before trusting it.
import { el } from '../dom';
import { dateTime } from '../format';
import type { Host } from '../types';

export function hostKeyLine(host: Host): HTMLElement | null {
  if (!host.hostKey) return null;
  return el(
    'div',
    { class: 'muted host-key', 'data-testid': 'host-key' },
    'key ',
    el('code', null, host.hostKey.fingerprint),
    ` recorded ${dateTime(host.hostKey.recordedAt)}, vouched by host CA`,
  );
}

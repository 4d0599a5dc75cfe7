// One capture: the evidence taken from a host before its teardown, linked from the drift ledger.
import { api } from '../api';
import { el, replace } from '../dom';
import { heading, loader, type Page } from '../page';
import { captureView } from '../components/changes';

export const capturePage: Page = (root, ctx) => {
  const region = el('div');
  replace(root, heading('What changed'), region);
  loader(
    region,
    ctx.store,
    () => api.capture(ctx.params.id),
    (c) =>
      replace(
        region,
        el(
          'p',
          null,
          c.sessionIds.length
            ? ['Sessions on this instance: ', ...c.sessionIds.flatMap((id, i) => [i ? ', ' : '', el('a', { href: `/sessions/${id}` }, `replay ${i + 1}`)])]
            : 'No session is linked to this capture.',
        ),
        captureView(c),
      ),
  );
};

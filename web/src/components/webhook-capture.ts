// A `webhook-capture` (issue 13): the evidence an operator's webhook sent back
// for a capture job. Its shape is the operator's own, so it is laid out from
// what it holds: the summary as key/value lines, items that are objects as a
// table (one column per key), other items as a list. Postgres (jsonb) does not
// keep the order of an object's keys, so keys are put in a stable order: the
// ones that name an item first, then the rest alphabetically. Long or
// multi-line text folds away as a file's text does.
import { el, table } from '../dom';

const MAX_COLUMNS = 8;
const FIRST = ['path', 'name', 'id', 'change', 'kind', 'status'];
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const rank = (k: string) => (FIRST.includes(k) ? FIRST.indexOf(k) : FIRST.length);
const ordered = (keys: Iterable<string>) => [...new Set(keys)].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));

/** One value, readable: text as it is (long text folded), anything nested as compact JSON. */
function valueCell(v: unknown): HTMLElement | string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'string') {
    if (v.length <= 80 && !v.includes('\n')) return v;
    return el(
      'details',
      { class: 'change-text' },
      el('summary', null, `Show text (${v.split('\n').filter(Boolean).length} lines)`),
      el('pre', { class: 'file-text', tabindex: 0 }, v),
    );
  }
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (isRecord(v))
    return el(
      'code',
      null,
      ordered(Object.keys(v))
        .map((k) => `${k}: ${typeof v[k] === 'string' ? v[k] : JSON.stringify(v[k])}`)
        .join(', '),
    );
  return el('code', null, JSON.stringify(v));
}

export function webhookSummaryLine(s: Record<string, unknown>, items: unknown[] | null): string {
  const n = items?.length ?? 0;
  return `The webhook sent ${n} item${n === 1 ? '' : 's'} of evidence${typeof s.jobId === 'string' ? ` for capture job ${s.jobId}` : ''}`;
}

export function webhookCaptureBody(s: Record<string, unknown>, items: unknown[] | null): HTMLElement[] {
  const out: HTMLElement[] = [];
  const facts = ordered(Object.keys(s))
    .filter((k) => k !== 'jobId')
    .map((k) => [k, s[k]] as const);
  if (facts.length) {
    out.push(
      el(
        'dl',
        { class: 'facts inline', 'data-testid': 'webhook-summary' },
        facts.flatMap(([k, v]) => [el('dt', null, k), el('dd', { 'data-key': k }, valueCell(v))]),
      ),
    );
  }
  if (!items || items.length === 0) {
    out.push(el('p', { class: 'empty' }, 'The webhook sent no items.'));
    return out;
  }
  if (items.every(isRecord)) {
    const keys = ordered(items.flatMap((i) => Object.keys(i)));
    const shown = keys.slice(0, MAX_COLUMNS);
    const rest = keys.slice(MAX_COLUMNS);
    const columns = rest.length ? [...shown, 'Other'] : shown;
    out.push(
      table(
        'Evidence items the webhook sent',
        columns,
        items.map((item, i) => ({
          attrs: { 'data-item': i },
          cells: [
            ...shown.map((k) => (k in item ? valueCell(item[k]) : '—')),
            ...(rest.length ? [valueCell(Object.fromEntries(rest.filter((k) => k in item).map((k) => [k, item[k]])))] : []),
          ],
        })),
        'The webhook sent no items.',
      ),
    );
  } else {
    out.push(
      el(
        'ol',
        { class: 'webhook-items', 'aria-label': 'Evidence items the webhook sent' },
        items.map((item, i) => el('li', { 'data-item': i }, valueCell(item))),
      ),
    );
  }
  return out;
}

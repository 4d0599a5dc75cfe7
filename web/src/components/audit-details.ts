// An audit event for people: its subject as a link to the subject's page,
// and its data as labelled fields rather than raw JSON.
import { el } from '../dom';
import type { AuditEvent } from '../types';

const pages: Record<string, (id: string) => string> = {
  request: (id) => `/requests/${id}`,
  session: (id) => `/sessions/${id}`,
  replacement: () => '/drift',
  host: () => '/fleet',
};

export function subjectLink(e: AuditEvent): HTMLElement | string {
  if (!e.subjectType) return '—';
  const href = e.subjectId ? pages[e.subjectType]?.(encodeURIComponent(e.subjectId)) : undefined;
  const text = `${e.subjectType} ${e.subjectId ?? ''}`.trim();
  return href ? el('a', { href, class: 'subject' }, text) : el('span', { class: 'subject' }, text);
}

const words = (key: string) =>
  key
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/_/g, ' ')
    .toLowerCase();

export function auditDetails(data: unknown): HTMLElement | string {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return data === null || data === undefined ? '—' : JSON.stringify(data);
  const entries = Object.entries(data as Record<string, unknown>).filter(([, v]) => v !== null && v !== undefined && v !== '');
  if (entries.length === 0) return '—';
  return el(
    'dl',
    { class: 'details' },
    entries.flatMap(([k, v]) => [
      el('dt', null, words(k)),
      el('dd', null, typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v)),
    ]),
  );
}

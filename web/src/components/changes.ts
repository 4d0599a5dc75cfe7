// "What did this session change?": the evidence taken from a host before its
// teardown. A file diff is a table (path, change, size, hash) with the text
// of small files before and after; a command's output as text; a webhook's
// evidence as key/value lines and a table (webhook-capture.ts); other kinds
// (snapshots, a pod's spec and logs) are shown as they were stored.
import { badge, el, table } from '../dom';
import { bytes, dateTime } from '../format';
import type { Capture, FileChange } from '../types';
import { webhookCaptureBody, webhookSummaryLine } from './webhook-capture';

interface CommandOutput {
  stream: string;
  bytes: number;
  sha256: string;
  truncated: boolean;
  text?: string;
  base64?: string;
}

const short = (sha: string | null) => (sha ? sha.slice(0, 12) : '—');

function fileCell(f: FileChange): HTMLElement {
  const name = el('code', null, f.path);
  const parts: (HTMLElement | string)[] = [name];
  if (f.target !== undefined) parts.push(el('span', { class: 'muted' }, ` → ${f.target}`));
  if (f.note) parts.push(el('div', { class: 'muted' }, f.note));
  const texts = [
    f.before?.text !== undefined ? ['Before (image)', f.before.text] : null,
    f.text !== undefined ? [f.change === 'added' ? 'Content' : 'After (host)', f.text] : null,
  ].filter((x): x is string[] => x !== null);
  if (texts.length) {
    parts.push(
      el(
        'details',
        { class: 'change-text' },
        el('summary', null, 'Show text'),
        texts.map(([label, text]) => el('div', null, el('div', { class: 'muted' }, label), el('pre', { class: 'file-text', tabindex: 0 }, text))),
      ),
    );
  }
  return el('div', null, parts);
}

function summaryLine(c: Capture): string {
  const s = c.summary as Record<string, unknown>;
  if (c.kind === 'file-diff') return `${s.added} added, ${s.changed} changed, ${s.removed} removed (${bytes(Number(s.bytes ?? 0))}) compared with ${s.image}`;
  if (c.kind === 'command-output')
    return `${s.program} exited with status ${s.exitStatus}: ${bytes(Number(s.bytes ?? 0))} of output${s.truncated ? ' (only its beginning is kept)' : ''}`;
  if (c.kind === 'webhook-capture') return webhookSummaryLine(s, Array.isArray(c.items) ? c.items : null);
  return Object.entries(s)
    .map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
    .join(', ');
}

export function captureView(c: Capture): HTMLElement {
  const s = c.summary as Record<string, unknown>;
  const head = el(
    'div',
    { class: 'capture-head' },
    el('h3', null, `${c.hostName} · ${c.provider}`),
    badge(c.status),
    el('span', { class: 'muted' }, ` taken ${dateTime(c.createdAt)}`),
  );
  if (c.status === 'failed') {
    return el(
      'article',
      { class: 'capture', 'data-capture': c.id },
      head,
      el('div', { class: 'alert alert-error', role: 'status' }, c.error ?? 'The capture failed.'),
    );
  }
  const body: (HTMLElement | null)[] = [
    el('p', { 'data-testid': 'capture-summary' }, summaryLine(c)),
    typeof s.incomplete === 'string' ? el('div', { class: 'alert alert-info', role: 'status' }, `Incomplete: ${s.incomplete}.`) : null,
  ];
  if (c.kind === 'file-diff' && c.items) {
    body.push(
      table(
        'Files changed on the host',
        ['Path', 'Change', 'Kind', 'Size', 'SHA-256', 'Mode'],
        (c.items as FileChange[]).map((f) => ({
          attrs: { 'data-path': f.path, 'data-change': f.change },
          cells: [
            fileCell(f),
            badge(f.change, `change_${f.change}`),
            f.kind,
            f.kind === 'file' ? bytes(f.size) : '—',
            el('code', { title: f.sha256 ?? '' }, short(f.sha256)),
            f.before && f.before.mode !== f.mode ? `${f.before.mode} → ${f.mode}` : f.mode,
          ],
        })),
        'Nothing changed: the host matched its image.',
      ),
    );
  } else if (c.kind === 'command-output' && c.items) {
    for (const o of c.items as CommandOutput[]) {
      body.push(
        el('h4', null, `${o.stream} (${bytes(o.bytes)}${o.truncated ? ', cut' : ''}, SHA-256 ${short(o.sha256)})`),
        el('pre', { class: 'file-text', tabindex: 0, 'data-stream': o.stream }, o.text ?? `(not text: ${o.base64?.length ?? 0} base64 characters)`),
      );
    }
  } else if (c.kind === 'webhook-capture') {
    body.push(...webhookCaptureBody(s, Array.isArray(c.items) ? c.items : null));
  } else if (c.items) {
    body.push(el('pre', { class: 'file-text', tabindex: 0 }, JSON.stringify(c.items, null, 2)));
  }
  return el('article', { class: 'capture', 'data-capture': c.id }, head, body);
}

/** The section on the replay page. */
export function changesSection(captures: Capture[]): HTMLElement {
  return el(
    'section',
    { class: 'changes', id: 'changes', 'aria-labelledby': 'changes-h' },
    el('h2', { id: 'changes-h' }, 'What this session changed'),
    captures.length === 0
      ? el('p', { class: 'empty' }, 'No evidence yet: it is taken when the host is replaced, after its last session ends.')
      : captures.map(captureView),
  );
}

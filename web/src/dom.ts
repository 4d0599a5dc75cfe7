// The only way this app builds DOM: text always goes through text nodes, so
// data from the server can never become markup (no innerHTML anywhere).
export type Child = Node | string | number | null | undefined | false;
type AttrValue = string | number | boolean | null | undefined;
export type Attrs = { [name: string]: AttrValue | ((event: Event) => void) };

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Attrs | null, ...children: (Child | Child[])[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (typeof value === 'function') node.addEventListener(name.replace(/^on/, ''), value);
    else if (value === true) node.setAttribute(name, '');
    else if (value !== false && value !== null && value !== undefined) node.setAttribute(name, String(value));
  }
  append(node, ...children);
  return node;
}

export function append(parent: Node, ...children: (Child | Child[])[]): void {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces every child of `parent`. */
export function replace(parent: Node, ...children: (Child | Child[])[]): void {
  while (parent.firstChild) parent.removeChild(parent.firstChild);
  append(parent, ...children);
}

let ids = 0;
/** A unique id for label/aria wiring. */
export function uid(prefix: string): string {
  ids += 1;
  return `${prefix}-${ids}`;
}

/** A labelled form field: label, control, hint and an inline error slot wired with aria. */
export function field(label: string, control: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement, hint?: Child) {
  const id = control.id || uid('f');
  control.id = id;
  const hintEl = hint ? el('div', { class: 'hint', id: `${id}-hint` }, hint) : null;
  const error = el('div', { class: 'field-error', id: `${id}-error`, role: 'alert' });
  control.setAttribute('aria-describedby', [hintEl?.id, error.id].filter(Boolean).join(' '));
  const wrapper = el('div', { class: 'field' }, el('label', { for: id }, label), control, hintEl, error);
  return {
    wrapper,
    setError(message: string | null) {
      error.textContent = message ?? '';
      if (message) control.setAttribute('aria-invalid', 'true');
      else control.removeAttribute('aria-invalid');
    },
  };
}

export function badge(value: string, kind = value): HTMLElement {
  return el('span', { class: `badge badge-${kind.replace(/[^a-z_]/gi, '')}` }, value.replace(/_/g, ' '));
}

export function alertBox(message: string, kind: 'error' | 'info' | 'success' = 'error'): HTMLElement {
  return el('div', { class: `alert alert-${kind}`, role: kind === 'error' ? 'alert' : 'status' }, message);
}

/** An inline confirmation (never a browser dialog): the question in bold, what follows from it, and the actions. */
export function confirmBox(question: string, consequence: string, ...actions: HTMLElement[]): HTMLElement {
  return el(
    'div',
    { class: 'confirm', role: 'alert' },
    el('p', null, el('strong', null, question), ` ${consequence}`),
    el('div', { class: 'actions' }, ...actions),
  );
}

/** A table that turns into labelled cards on narrow screens (see style.css). */
export function table(caption: string, columns: string[], rows: { cells: (Child | Child[])[]; attrs?: Attrs }[], empty: string): HTMLElement {
  if (rows.length === 0) return el('p', { class: 'empty' }, empty);
  return el(
    'div',
    { class: 'table-wrap' },
    el(
      'table',
      { class: 'responsive' },
      el('caption', { class: 'visually-hidden' }, caption),
      // A column of buttons or links still needs a header a screen reader can announce.
      el(
        'thead',
        null,
        el(
          'tr',
          null,
          columns.map((c) => el('th', { scope: 'col' }, c || el('span', { class: 'visually-hidden' }, 'Actions'))),
        ),
      ),
      el(
        'tbody',
        null,
        rows.map((row) =>
          el(
            'tr',
            row.attrs ?? null,
            row.cells.map((cell, i) => el('td', { 'data-label': columns[i] }, cell)),
          ),
        ),
      ),
    ),
  );
}

/** A <select> with "All" first; options are [value, label] or plain values. */
export function select(name: string, options: (string | [string, string])[], value = '', allLabel: string | null = 'All'): HTMLSelectElement {
  const s = el(
    'select',
    { name },
    allLabel === null ? null : el('option', { value: '' }, allLabel),
    options.map((o) => {
      const [v, label] = Array.isArray(o) ? o : [o, o];
      return el('option', { value: v }, label);
    }),
  );
  s.value = value;
  return s;
}

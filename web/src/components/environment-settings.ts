// Fleet targets and drills on the Admin page: per environment, the image
// version every host should run, the oldest a host may get, and the daily UTC
// window in which hosts older than that are replaced (PUT /api/environments/:name).
// Blank means "none". The broker's own rules are said before a round trip.
import { api, messageOf } from '../api';
import type { DisposableStore } from '../disposable';
import { alertBox, el, replace, table } from '../dom';
import { loader } from '../page';
import type { Environment } from '../types';

const VERSION = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/;
const WINDOW = /^([01]\d|2[0-3]):[0-5]\d-(([01]\d|2[0-3]):[0-5]\d|24:00)$/;
const MAX_AGE_HOURS = 24 * 3650;

export interface EnvironmentInput {
  targetVersion: string;
  maxHostAgeHours: string;
  drillWindow: string;
}

/** Pure: what the form's fields mean, or why they cannot be saved. */
export function environmentProblem(v: EnvironmentInput): string | undefined {
  const target = v.targetVersion.trim();
  const age = v.maxHostAgeHours.trim();
  const window = v.drillWindow.trim();
  if (target && !VERSION.test(target)) return 'the target version is an image version like 2026.11.2 (letters, digits, . _ + -).';
  if (age && !(/^\d+$/.test(age) && Number(age) >= 1 && Number(age) <= MAX_AGE_HOURS))
    return `the maximum host age is a whole number of hours from 1 to ${MAX_AGE_HOURS}.`;
  if (window && !WINDOW.test(window)) return 'the drill window is a daily UTC time range like 02:00-04:00 (00:00-24:00 for all day).';
  if (window && !age) return 'a drill window replaces hosts older than the maximum host age: set a maximum host age too.';
  return undefined;
}

function environmentRow(env: Environment, status: HTMLElement) {
  const name = env.environment;
  const input = (value: string | number | null, label: string, attrs: Record<string, string | number>) =>
    el('input', { value: value === null ? '' : String(value), 'aria-label': `${label} for ${name}`, ...attrs });
  const target = input(env.targetVersion, 'Target image version', { list: 'image-versions', placeholder: 'none', class: 'medium' });
  const age = input(env.maxHostAgeHours, 'Maximum host age in hours', { inputmode: 'numeric', placeholder: 'none', class: 'narrow' });
  const window = input(env.drillWindow, 'Drill window (UTC)', { placeholder: 'none', class: 'medium' });
  const unsaved = el('span', { class: 'unsaved', role: 'status' });
  const current = () => [target.value, age.value, window.value].join('\u0000');
  let saved = current();
  const mark = () => {
    unsaved.textContent = current() === saved ? '' : 'Unsaved changes';
  };
  for (const control of [target, age, window]) control.addEventListener('input', mark);
  const save = el(
    'button',
    {
      type: 'button',
      onclick: async () => {
        const problem = environmentProblem({ targetVersion: target.value, maxHostAgeHours: age.value, drillWindow: window.value });
        if (problem) return replace(status, alertBox(`${name}: ${problem}`));
        save.disabled = true;
        try {
          const done = await api.putEnvironment(name, {
            targetVersion: target.value.trim() || null,
            maxHostAgeHours: age.value.trim() ? Number(age.value) : null,
            drillWindow: window.value.trim() || null,
          });
          saved = current();
          mark();
          replace(
            status,
            alertBox(
              `${name} saved: target ${done.targetVersion ?? 'none'}, maximum age ${done.maxHostAgeHours === null ? 'none' : `${done.maxHostAgeHours} h`}, drills ${done.drillWindow ? `${done.drillWindow} UTC` : 'off'}.`,
              'success',
            ),
          );
        } catch (error) {
          replace(status, alertBox(`${name}: ${messageOf(error)}`));
        } finally {
          save.disabled = false;
        }
      },
    },
    `Save fleet settings for ${name}`,
  );
  return {
    attrs: { 'data-fleet-environment': name },
    cells: [el('strong', null, name), target, age, window, el('span', null, save, ' ', unsaved)],
  };
}

/** The Admin page's section: one row per environment that has hosts or settings. */
export function environmentSettings(store: DisposableStore): HTMLElement {
  const status = el('div', { 'aria-live': 'polite' });
  const region = el('div');
  const load = async () => {
    const [environments, hosts, images] = await Promise.all([api.environments(), api.hosts(), api.images()]);
    const known = new Map(environments.map((e) => [e.environment, e]));
    for (const h of hosts)
      if (!known.has(h.environment))
        known.set(h.environment, { environment: h.environment, targetVersion: null, maxHostAgeHours: null, drillWindow: null, updatedAt: '' });
    return {
      environments: [...known.values()].sort((a, b) => a.environment.localeCompare(b.environment)),
      versions: [...new Set(images.map((i) => i.version))].sort(),
    };
  };
  loader(region, store, load, ({ environments, versions }) =>
    replace(
      region,
      el(
        'datalist',
        { id: 'image-versions' },
        versions.map((v) => el('option', { value: v })),
      ),
      table(
        'Fleet targets and drills',
        ['Environment', 'Target image version', 'Maximum host age (hours)', 'Drill window (UTC)', ''],
        environments.map((e) => environmentRow(e, status)),
        'No environment yet: add a host first.',
      ),
    ),
  );
  return el(
    'section',
    { 'aria-labelledby': 'fleet-settings-h' },
    el('h2', { id: 'fleet-settings-h' }, 'Fleet targets and drills'),
    el(
      'p',
      { class: 'muted' },
      'Hosts on another version than the target, or older than the maximum age, lead the fleet page as exceptions. Inside the daily drill window (UTC, like 02:00-04:00), hosts older than the maximum age are replaced automatically. Leave a field blank for none.',
    ),
    status,
    region,
  );
}

// Every reference in the project's prose must resolve in a clone: relative
// links in Markdown, and paths or *.md names in README, docs/ and source comments.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

const root = path.resolve(import.meta.dirname, '../..');
const tracked = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8' }).split('\n').filter(Boolean);
const TOP = ['src', 'test', 'web', 'docs', 'bench', 'scripts', 'prisma', 'docker', '.ci'];
const IGNORED = readFileSync(path.join(root, '.gitignore'), 'utf8').split('\n').filter(Boolean);
// A path as prose names it: `src/app.ts`, docs/api.md, test/e2e/ (a folder), or a bare file name ending in .md.
const PATH = new RegExp(`(?<![\\w./@-])((?:${TOP.map((d) => d.replace('.', '\\.')).join('|')})/[\\w./-]*[\\w/]|[A-Za-z][\\w-]*\\.md)(?![\\w/])`, 'g');

function comments(text: string): string {
  return [...text.matchAll(/\/\/[^\n]*|\/\*[\s\S]*?\*\//g)].map((m) => m[0]).join('\n');
}

function references(file: string): { target: string; from: string }[] {
  const text = readFileSync(path.join(root, file), 'utf8');
  const prose = file.endsWith('.md') ? text : comments(text);
  const found: { target: string; from: string }[] = [];
  if (file.endsWith('.md')) {
    for (const [, link] of text.replace(/`[^`\n]*`/g, '').matchAll(/\]\(([^)\s#]+)(?:#[^)]*)?\)/g)) {
      if (!/^[a-z]+:/.test(link!)) found.push({ target: path.join(path.dirname(file), link!), from: file });
    }
  }
  for (const [, name] of prose.matchAll(PATH)) {
    if (name!.includes('*') || name!.includes('<')) continue;
    const candidates = name!.includes('/') ? [name!] : [name!, path.join(path.dirname(file), name!), path.join('docs', name!)];
    found.push({ target: candidates.find((c) => existsSync(path.join(root, c))) ?? name!, from: file });
  }
  return found;
}

test('every link and file reference in README, docs and source comments resolves', () => {
  const files = tracked.filter(
    (f) => f === 'README.md' || (f.startsWith('docs/') && f.endsWith('.md')) || /^(src|test|web\/src|bench|scripts)\/.*\.(ts|mjs)$/.test(f),
  );
  assert.ok(files.length > 50);
  const resolves = (target: string) => existsSync(path.join(root, target)) || IGNORED.includes(target);
  const missing = files
    .flatMap(references)
    .filter((r) => !resolves(r.target))
    .map((r) => `${r.from} → ${r.target}`);
  assert.deepEqual([...new Set(missing)], []);
});

// prisma/schema.prisma is the model; prisma/migrations is what the server
// applies. The Prisma schema engine cannot run here, so this test checks that
// the two agree: every model field is a column of the right type and
// nullability, every @@index/@unique exists, and the database has nothing else.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { migrate, readMigrations } from '../../src/db/migrate.js';
import { asSuperuser, freshDatabase } from '../helpers/database.js';

const SQL_TYPES: Record<string, string> = {
  String: 'text',
  Int: 'integer',
  BigInt: 'bigint',
  DateTime: 'timestamp with time zone',
  Json: 'jsonb',
  Bytes: 'bytea',
  Boolean: 'boolean',
};
const DB_TYPES: Record<string, string> = { Uuid: 'uuid', Char: 'character', Timestamptz: 'timestamp with time zone' };

interface Column {
  table: string;
  column: string;
  type: string;
  nullable: boolean;
}

function modelColumns(schema: string): { columns: Column[]; indexes: string[] } {
  const columns: Column[] = [];
  const indexes: string[] = [];
  const models = [...schema.matchAll(/^model (\w+) \{([\s\S]*?)^\}/gm)];
  const modelNames = new Set(models.map((m) => m[1]));
  for (const [, , body] of models) {
    const table = /@@map\("(\w+)"\)/.exec(body!)![1]!;
    const fieldCols = new Map<string, string>();
    for (const line of body!.split('\n').map((l) => l.trim())) {
      const m = /^(\w+)\s+(\w+)(\[\]|\?)?\s*(.*)$/.exec(line);
      if (!m || line.startsWith('@@')) continue;
      const [, field, type, mod, attrs] = m;
      if (modelNames.has(type!)) continue;
      const column = /@map\("(\w+)"\)/.exec(attrs!)?.[1] ?? field!;
      fieldCols.set(field!, column);
      const dbType = /@db\.(\w+)/.exec(attrs!)?.[1];
      let sqlType = (dbType && DB_TYPES[dbType]) || SQL_TYPES[type!]!;
      if (mod === '[]') sqlType = 'ARRAY';
      columns.push({ table, column, type: sqlType, nullable: mod === '?' || mod === '[]' });
      if (/@unique/.test(attrs!)) indexes.push(`${table}_${column}_key`);
    }
    for (const [, kind, fields] of body!.matchAll(/@@(index|unique|id)\(\[([^\]]+)\]/g)) {
      const cols = fields!.split(',').map((f) => fieldCols.get(f.trim())!);
      indexes.push(kind === 'id' ? `${table}_pkey` : `${table}_${cols.join('_')}_${kind === 'unique' ? 'key' : 'idx'}`);
    }
    if (!body!.includes('@@id')) indexes.push(`${table}_pkey`);
  }
  return { columns, indexes };
}

test('the migrations build exactly the database that schema.prisma describes', async () => {
  const url = await freshDatabase();
  await migrate(url);
  const schema = readFileSync(path.resolve(import.meta.dirname, '../../prisma/schema.prisma'), 'utf8');
  const expected = modelColumns(schema);
  const actual = await asSuperuser(url, async (c) => {
    const cols = await c.query<{ table_name: string; column_name: string; data_type: string; is_nullable: string }>(
      `SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns
       WHERE table_schema = 'public' AND table_name <> '_prisma_migrations' ORDER BY table_name, column_name`,
    );
    const idx = await c.query<{ indexname: string }>(`SELECT indexname FROM pg_indexes WHERE schemaname = 'public' AND tablename <> '_prisma_migrations'`);
    return { cols: cols.rows, idx: idx.rows.map((r) => r.indexname) };
  });
  const key = (c: Column) => `${c.table}.${c.column} ${c.type}${c.nullable ? ' NULL' : ''}`;
  assert.deepEqual(
    actual.cols.map((c) => key({ table: c.table_name, column: c.column_name, type: c.data_type, nullable: c.is_nullable === 'YES' })).sort(),
    expected.columns.map(key).sort(),
  );
  // Indexes of the model must exist; the extra ones are the guards migration's, by name.
  for (const name of expected.indexes) assert.ok(actual.idx.includes(name), `index ${name} is missing`);
  assert.deepEqual(actual.idx.filter((i) => !expected.indexes.includes(i)).sort(), ['recording_lines_line_trgm', 'replacements_one_pending_per_host']);
});

test('migrations are idempotent and safe when two brokers start at once', async () => {
  const url = await freshDatabase();
  const [a, b] = await Promise.all([migrate(url), migrate(url)]);
  assert.deepEqual(
    [...a, ...b].sort(),
    readMigrations()
      .map((m) => m.name)
      .sort(),
  );
  assert.deepEqual(await migrate(url), []);
  const applied = await asSuperuser(url, (c) => c.query('SELECT count(*)::int AS n FROM _prisma_migrations'));
  assert.equal(applied.rows[0].n, readMigrations().length);
});

test('a migration edited after it was applied stops start-up', async () => {
  const url = await freshDatabase();
  await migrate(url);
  const edited = readMigrations().map((m, i) => (i === 0 ? { ...m, checksum: 'f'.repeat(64) } : m));
  await assert.rejects(migrate(url, edited), /changed after it was applied/);
});

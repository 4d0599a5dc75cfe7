// Least privilege in Postgres. Two roles: the OWNER owns every table and runs
// the migrations; the BROKER role, which the running broker connects as, owns
// nothing, is no superuser, and may only read and write rows. So a leaked
// DATABASE_URL cannot disable the append-only triggers (that takes the table's
// owner), cannot set session_replication_role (that takes a superuser), and
// cannot UPDATE, DELETE or TRUNCATE recordings and the audit trail (revoked).
//
// Grants are applied after the migrations at every start, idempotently, over
// ALL tables of the schemas, so that tables added by any later migration are
// covered without anyone remembering to grant them; the append-only list below
// is then taken back.
import pg from 'pg';

/** Tables the broker may only INSERT into and SELECT from. Add new append-only tables here. */
export const APPEND_ONLY_TABLES = ['audit_events', 'recording_chunks', 'session_manifests', 'audit_checkpoints', 'captures'];
/** Schemas whose tables the broker reads and writes: ours and pg-boss's. */
const SCHEMAS = ['public', 'pgboss'];

export interface RoleNames {
  owner: string;
  broker: string;
}

const ident = (name: string) => `"${name.replaceAll('"', '""')}"`;
const literal = (s: string) => `'${s.replaceAll("'", "''")}'`;

/** One connection to `url` for `fn`, closed after it. */
export async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

export function urlAs(url: string, user: string, password: string): string {
  const u = new URL(url);
  u.username = encodeURIComponent(user);
  u.password = encodeURIComponent(password);
  return u.toString();
}

/**
 * As a superuser, connected to the broker's database: creates (or updates) the
 * two login roles, makes the owner own the database and every object in our
 * schemas (a data dir from before this split has them owned by the superuser),
 * and lets the broker role connect. Returns the two roles' URLs.
 */
export async function ensureRoles(superuserUrl: string, names: RoleNames, passwords: RoleNames): Promise<{ ownerUrl: string; brokerUrl: string }> {
  const database = decodeURIComponent(new URL(superuserUrl).pathname.slice(1));
  await withClient(superuserUrl, async (c) => {
    for (const role of [names.owner, names.broker]) {
      const exists = await c.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
      // Two brokers starting at once may both try: a duplicate is fine.
      if (exists.rowCount === 0)
        await c.query(`CREATE ROLE ${ident(role)}`).catch((err: { code?: string }) => {
          if (err.code !== '42710' && err.code !== '23505') throw err;
        });
    }
    const plain = 'LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS';
    await c.query(`ALTER ROLE ${ident(names.owner)} ${plain} PASSWORD ${literal(passwords.owner)}`);
    await c.query(`ALTER ROLE ${ident(names.broker)} ${plain} NOINHERIT PASSWORD ${literal(passwords.broker)}`);
    await c.query(`ALTER DATABASE ${ident(database)} OWNER TO ${ident(names.owner)}`);
    await c.query(`REVOKE ALL ON DATABASE ${ident(database)} FROM PUBLIC`);
    await c.query(`GRANT CONNECT ON DATABASE ${ident(database)} TO ${ident(names.broker)}`);
    await adoptObjects(c, names.owner);
  });
  return { ownerUrl: urlAs(superuserUrl, names.owner, passwords.owner), brokerUrl: urlAs(superuserUrl, names.broker, passwords.broker) };
}

/** Hands every table, sequence, function, type and schema of ours to the owner role. */
async function adoptObjects(c: pg.Client, owner: string): Promise<void> {
  const schemas = SCHEMAS.map(literal).join(',');
  const ownerOid = `(SELECT oid FROM pg_roles WHERE rolname = ${literal(owner)})`;
  const statements = await c.query<{ sql: string }>(`
    SELECT format('ALTER SCHEMA %I OWNER TO %I', nspname, ${literal(owner)}) AS sql FROM pg_namespace
      WHERE nspname IN (${schemas}) AND nspowner <> ${ownerOid}
    UNION ALL
    SELECT format('ALTER TABLE %I.%I OWNER TO %I', n.nspname, c.relname, ${literal(owner)}) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname IN (${schemas}) AND c.relkind IN ('r', 'p', 'v', 'm') AND c.relowner <> ${ownerOid}
    UNION ALL
    SELECT format('ALTER SEQUENCE %I.%I OWNER TO %I', n.nspname, c.relname, ${literal(owner)}) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname IN (${schemas}) AND c.relkind = 'S' AND c.relowner <> ${ownerOid}
        AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('a', 'i'))
    UNION ALL
    SELECT format('ALTER ROUTINE %s OWNER TO %I', p.oid::regprocedure, ${literal(owner)}) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE n.nspname IN (${schemas}) AND p.proowner <> ${ownerOid}
    UNION ALL
    SELECT format('ALTER TYPE %I.%I OWNER TO %I', n.nspname, t.typname, ${literal(owner)}) FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
      WHERE n.nspname IN (${schemas}) AND t.typtype IN ('e', 'd') AND t.typowner <> ${ownerOid}`);
  for (const { sql } of statements.rows) await c.query(sql);
}

/**
 * As the owner, after every migration: DML on every table and sequence of our
 * schemas for the broker role, then UPDATE/DELETE/TRUNCATE taken back on the
 * append-only tables. Idempotent; runs at every start.
 */
export async function applyGrants(ownerUrl: string, brokerRole: string): Promise<void> {
  const b = ident(brokerRole);
  await withClient(ownerUrl, async (c) => {
    await c.query('BEGIN');
    const present = await c.query<{ nspname: string }>('SELECT nspname FROM pg_namespace WHERE nspname = ANY($1)', [SCHEMAS]);
    for (const { nspname } of present.rows) {
      const s = ident(nspname);
      await c.query(`REVOKE CREATE ON SCHEMA ${s} FROM ${b}`);
      await c.query(`GRANT USAGE ON SCHEMA ${s} TO ${b}`);
      await c.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${s} TO ${b}`);
      await c.query(`REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA ${s} FROM ${b}`);
      await c.query(`GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA ${s} TO ${b}`);
      await c.query(`GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA ${s} TO ${b}`);
    }
    // The broker reads which migrations ran (so that a broker given only its own URL can tell whether it is up to date).
    await c.query(`REVOKE INSERT, UPDATE, DELETE ON "_prisma_migrations" FROM ${b}`);
    const appendOnly = await c.query<{ t: string }>(`SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' AND tablename = ANY($1)`, [
      APPEND_ONLY_TABLES,
    ]);
    for (const { t } of appendOnly.rows) await c.query(`REVOKE UPDATE, DELETE, TRUNCATE ON ${ident(t)} FROM ${b}`);
    await c.query('COMMIT');
  });
}

/**
 * What the connected role could do to the evidence; empty when it is least
 * privileged. Checked at start: a broker running as owner or superuser is
 * allowed (one URL, for upgrades), but says so in the log.
 */
export async function privilegeProblems(pool: pg.Pool | pg.Client): Promise<string[]> {
  const {
    rows: [r],
  } = await pool.query<{ role: string; superuser: boolean; owns: string[]; writable: string[] }>(
    `
    SELECT current_user AS role,
      (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS superuser,
      ARRAY(SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = ANY($2) AND c.relkind IN ('r', 'p') AND pg_has_role(current_user, c.relowner, 'USAGE')) AS owns,
      ARRAY(SELECT t FROM unnest($1::text[]) t WHERE to_regclass(t) IS NOT NULL
        AND (has_table_privilege(t, 'UPDATE') OR has_table_privilege(t, 'DELETE') OR has_table_privilege(t, 'TRUNCATE'))) AS writable`,
    [APPEND_ONLY_TABLES, SCHEMAS],
  );
  const problems: string[] = [];
  if (r!.superuser) problems.push(`role ${r!.role} is a superuser`);
  if (r!.owns.length) problems.push(`role ${r!.role} owns ${r!.owns.length} table(s) (${r!.owns.slice(0, 3).join(', ')}…)`);
  if (r!.writable.length && !r!.superuser) problems.push(`role ${r!.role} may change ${r!.writable.join(', ')}`);
  return problems;
}

export async function currentRole(url: string): Promise<string> {
  return withClient(url, async (c) => (await c.query<{ r: string }>('SELECT current_user AS r')).rows[0]!.r);
}

// A Postgres server from the machine's distribution packages (Debian's
// `postgresql`, under /usr/lib/postgresql/<version>/bin), started for one test
// file in a directory of its own: unlike the embedded one, it is built with
// lz4, like most servers an organisation runs. `.ci/run` installs it.
import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { postgresUser } from '../../src/db/embedded.js';
import { freePort } from '../../src/free-port.js';
import { tempDataDir } from './database.js';

const ROOT = '/usr/lib/postgresql';

/** The newest installed server's bin directory, or undefined. */
export function distributionPostgresBin(): string | undefined {
  if (!existsSync(ROOT)) return undefined;
  const versions = readdirSync(ROOT)
    .filter((v) => existsSync(path.join(ROOT, v, 'bin', 'postgres')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] && path.join(ROOT, versions[0], 'bin');
}

export interface DistributionPostgres {
  /** The superuser's URL (trust authentication, loopback only) to the `postgres` database. */
  adminUrl: string;
  stop(): Promise<void>;
}

export async function startDistributionPostgres(bin: string): Promise<DistributionPostgres> {
  const dir = tempDataDir();
  const data = path.join(dir, 'data');
  mkdirSync(data, { mode: 0o700 });
  // Postgres refuses to run as root: as root it runs as the `postgres` user, as the embedded one does.
  const asUser = postgresUser();
  if (asUser) chownSync(data, asUser.uid, asUser.gid);
  const run = (cmd: string, args: string[]) => {
    const r = spawnSync(path.join(bin, cmd), args, { ...asUser, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr || r.stdout || r.error}`);
  };
  run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync']);
  const port = await freePort();
  // -w: pg_ctl returns once the server accepts connections.
  run('pg_ctl', ['start', '-w', '-D', data, '-l', path.join(data, 'server.log'), '-o', `-c listen_addresses=127.0.0.1 -p ${port} -c unix_socket_directories=`]);
  return {
    adminUrl: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    async stop() {
      run('pg_ctl', ['stop', '-w', '-m', 'fast', '-D', data]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

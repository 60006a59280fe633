/**
 * The private PostgreSQL cluster FerretDB runs on by default (never the
 * machine's own on 5432), started under the supervisor like every local server.
 */
import { createHash } from 'node:crypto';
import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { findPostgres, versionOf } from './binaries';
import { errorText } from './probes';
import { START_TIMEOUT_MS, startBackingServer, type PortMemo, type Started } from './start-server';

/**
 * FerretDB's PostgreSQL connection pool (`pool_max_conns`, FerretDB's default
 * 50) must exceed what can be in flight at once, or it wedges: findAndModify
 * holds one pooled connection while it takes a second, so 50 such commands in
 * flight hold all 50 and each waits for another, forever (seen: 400 calls in
 * flight wedged it until restarted). Each app instance has at most mongoose's
 * maxPoolSize (MONGO_MAX_POOL_SIZE in src/infra/mongo/connection.ts: 50)
 * commands in flight, so a
 * pool of 400 keeps at least one connection free for up to 7 instances on one
 * FerretDB, which covers the tests (2-3 instances per test, a few test workers
 * at a time), the chaos run and dev. PostgreSQL's max_connections is the pool
 * plus headroom for psql, provisioning and the superuser reserve. Connections
 * are opened on demand, so an idle cluster does not pay for them.
 */
const FERRETDB_PG_POOL_MAX_CONNS = 400;
const POSTGRES_MAX_CONNECTIONS = 450;

/** The SQL that provisions our cluster for FerretDB (the `ferretdb` database, GIN indexes). */
const PG_PROVISION_SCRIPT = path.resolve(__dirname, '..', 'postgres', 'provision.sh');

/**
 * A private PostgreSQL cluster for FerretDB (never the machine's own on 5432):
 * initdb into `<dir>/pgdata` (dataRoot/postgres for dev; a throwaway dir for
 * tests, run with fsync off), listening on a free 127.0.0.1 port with its unix
 * socket inside the data dir, trust authentication on loopback only. As root
 * it runs as the `postgres` system user Debian's package creates (PostgreSQL
 * refuses to run as root). Provisioned by scripts/postgres/provision.sh at
 * every start. Resolves to FerretDB's `--postgresql-url`.
 */
export async function startLocalPostgres(
  env: NodeJS.ProcessEnv,
  dataRoot: string | undefined,
  ports: PortMemo | undefined,
): Promise<Started> {
  const bin = findPostgres(env);
  if (!bin) {
    throw new Error(
      'PostgreSQL (initdb, postgres) not found under /usr/lib/postgresql/*/bin or on PATH; ' +
        'run `bash scripts/install-postgresql.sh`, or set BOOKING_FERRETDB_BACKEND=sqlite',
    );
  }
  const owner = postgresOwner();
  const asOwner = (cmd: string, args: string[]): [string, string[]] =>
    owner
      ? ['setpriv', [`--reuid=${owner.uid}`, `--regid=${owner.gid}`, '--clear-groups', '--', cmd, ...args]]
      : [cmd, args];
  const throwaway = !dataRoot;
  const version = versionOf(path.join(bin, 'postgres'), ['--version'], /\(PostgreSQL\) (\S+)/) ?? '';
  let pgRoot = ''; // where pgdata lives: the data dir, or a stand-in the postgres user can reach (set by prepare)
  return startBackingServer({
    name: 'postgres',
    dataRoot,
    ports,
    what: `PostgreSQL ${version}`.trim(),
    stopSignal: 'INT', // fast shutdown: SIGTERM (smart) would wait for clients to leave
    prepare: async (dir) => {
      pgRoot = dir;
      if (owner) {
        fs.chownSync(dir, owner.uid, owner.gid);
        const reachable = await run(...asOwner('test', ['-w', dir])).then(
          () => true,
          () => false,
        );
        if (!reachable && throwaway) {
          throw new Error(
            `the postgres user cannot write ${dir} (a parent directory not traversable?); ` +
              'make it reachable, or set BOOKING_FERRETDB_BACKEND=sqlite',
          );
        }
        if (!reachable) {
          // A data dir under a directory others cannot traverse (a clone under /root, a
          // mkdtemp dir): PostgreSQL runs as `postgres`, so its files live in a directory
          // of their own under that user's home, named after the data dir (so the same
          // data dir finds the same cluster again), and the data dir says where.
          pgRoot = standInPgRoot(dir, owner);
          fs.writeFileSync(
            path.join(dir, 'PGDATA-IS-ELSEWHERE'),
            `This data dir's PostgreSQL files are in ${pgRoot}/pgdata: the postgres user cannot reach ${dir}.\n`,
          );
        }
      }
      const pgdata = path.join(pgRoot, 'pgdata');
      if (fs.existsSync(path.join(pgdata, 'PG_VERSION'))) return;
      await run(
        ...asOwner(path.join(bin, 'initdb'), [
          '--pgdata',
          pgdata,
          '--username=postgres',
          '--encoding=UTF8',
          '--no-locale',
          '--auth-local=trust',
          '--auth-host=trust', // pg_hba: 127.0.0.1/32 and ::1 only; we listen on 127.0.0.1
          ...(throwaway ? ['--no-sync'] : []),
        ]),
      );
    },
    command: (port) => {
      const pgdata = path.join(pgRoot, 'pgdata');
      // a unix socket path must fit in sockaddr_un (107 bytes)
      const socketDir = `${pgdata}/.s.PGSQL.${port}`.length < 100 ? pgdata : '';
      return asOwner(path.join(bin, 'postgres'), [
        '-D',
        pgdata,
        '-c',
        `port=${port}`,
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        `unix_socket_directories=${socketDir}`,
        '-c',
        `max_connections=${POSTGRES_MAX_CONNECTIONS}`,
        // a throwaway test cluster dies with the run: durability costs time for nothing
        ...(throwaway
          ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']
          : []),
      ]);
    },
    uri: (port) =>
      `postgres://postgres@127.0.0.1:${port}/ferretdb?pool_max_conns=${FERRETDB_PG_POOL_MAX_CONNS}`,
    ready: async (port) => {
      const psqlEnv = { ...process.env, PGHOST: '127.0.0.1', PGPORT: String(port), PGUSER: 'postgres' };
      try {
        await run(path.join(bin, 'psql'), ['-X', '-q', '-At', '-d', 'postgres', '-c', 'SELECT 1'], psqlEnv);
      } catch {
        return false;
      }
      await run('sh', [PG_PROVISION_SCRIPT, path.join(bin, 'psql')], psqlEnv);
      return true;
    },
  });
}

/**
 * A directory the postgres user owns, for a persistent data dir it cannot
 * reach: `<its home>/booking-dev/<hash of the data dir's path>`.
 */
function standInPgRoot(dir: string, owner: { uid: number; gid: number }): string {
  const home = execFileSync('sh', ['-c', 'getent passwd postgres | cut -d: -f6'], {
    encoding: 'utf8',
  }).trim();
  const base = path.join(home || '/var/lib/postgresql', 'booking-dev');
  const root = path.join(base, createHash('sha256').update(path.resolve(dir)).digest('hex').slice(0, 16));
  for (const d of [base, root]) {
    fs.mkdirSync(d, { recursive: true, mode: 0o700 });
    fs.chownSync(d, owner.uid, owner.gid);
  }
  return root;
}

/** Who runs PostgreSQL: undefined (ourselves) unless we are root (then the `postgres` system user). */
function postgresOwner(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    if (uid > 0 && gid > 0) return { uid, gid };
  } catch {
    // no such user
  }
  throw new Error(
    'running as root, and PostgreSQL refuses to: the `postgres` system user is missing ' +
      '(run `bash scripts/install-postgresql.sh`), or set BOOKING_FERRETDB_BACKEND=sqlite',
  );
}

/** Runs a command to completion; rejects with its output on failure. */
function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { env, timeout: START_TIMEOUT_MS, maxBuffer: 4 << 20 }, (err, stdout, stderr) => {
      if (!err) return resolve();
      const output = `${stdout}${stderr}`.trim();
      reject(
        new Error(
          `${path.basename(cmd)} ${args.join(' ')} failed: ${errorText(err)}${output ? `\n${output}` : ''}`,
        ),
      );
    });
  });
}

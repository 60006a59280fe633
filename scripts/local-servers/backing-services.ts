/**
 * The one way to obtain a MongoDB-wire database and a Redis for dev and tests.
 *
 * Per service, in this order:
 *  (a) external:       MONGODB_URI / REDIS_URL set -> used as-is, nothing started.
 *  (b) testcontainers: a container engine is reachable (DOCKER_HOST set or
 *                      /var/run/docker.sock exists), no `persistentDir`, and
 *                      BOOKING_BACKING is not `local`.
 *                      Images: BOOKING_TEST_MONGO_IMAGE (default mongo:7, run as a
 *                      single-node replica set; a FerretDB image when
 *                      BOOKING_TEST_MONGO_KIND=ferretdb or the name contains
 *                      "ferretdb"; with KIND=ferretdb and no image named, the one
 *                      for BOOKING_FERRETDB_BACKEND from BOOKING_TEST_FERRETDB_PG_IMAGE
 *                      / BOOKING_TEST_FERRETDB_SQLITE_IMAGE, which
 *                      scripts/provision-podman.sh builds) and
 *                      BOOKING_TEST_REDIS_IMAGE (default redis:7).
 *  (c) local-binaries: `mongod` (else `ferretdb`) and `redis-server` as supervised
 *                      child processes on free 127.0.0.1 ports, with throwaway data
 *                      dirs (or `persistentDir`, whose data survives restarts).
 *                      FerretDB's backend: BOOKING_FERRETDB_BACKEND=postgresql (the
 *                      default: a private PostgreSQL cluster started here, see
 *                      startLocalPostgres) or sqlite.
 *
 * BOOKING_BACKING=local forces (c); BOOKING_BACKING=testcontainers forces (b).
 * Child processes die with this process (normal exit, signals, SIGKILL): each runs
 * under a tiny bash supervisor in its own session whose stdin is a pipe from us;
 * EOF on that pipe (we stopped or died) makes it terminate the child and delete
 * its throwaway data dir.
 */
import { spawn, execFile, execFileSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import type * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { mongo as MongoDriver } from 'mongoose';
import {
  errorText,
  freePort,
  isExecutable,
  mongoPing,
  portFree,
  redisPing,
  tailOf,
  waitUntil,
} from './probes';

export type BackingKind = 'external' | 'testcontainers' | 'local-binaries';

export interface BackingServices {
  kind: BackingKind;
  mongoUri: string;
  redisUrl: string;
  /** One line saying what runs where, e.g. for CI logs. */
  describe: string;
  stop(): Promise<void>;
}

export interface ObtainOptions {
  /** Keep data here (dev). Implies local binaries. */
  persistentDir?: string;
  log?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
}

interface Started {
  uri: string;
  /** What runs, for the describe line, e.g. "ferretdb v1.24.2 sqlite". */
  what: string;
  stop(): Promise<void>;
}

type Log = (line: string) => void;

const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;

export async function obtainBackingServices(opts: ObtainOptions = {}): Promise<BackingServices> {
  const env = opts.env ?? process.env;
  const log: Log = opts.log ?? ((line) => process.stderr.write(`${line}\n`));
  const externalMongo = nonEmpty(env.MONGODB_URI);
  const externalRedis = nonEmpty(env.REDIS_URL);

  if (externalMongo && externalRedis) {
    const describe = `external: ${redact(externalMongo)}, ${redact(externalRedis)}`;
    log(`[backing] ${describe}`);
    return {
      kind: 'external',
      mongoUri: externalMongo,
      redisUrl: externalRedis,
      describe,
      stop: async () => {},
    };
  }

  const mode = (env.BOOKING_BACKING ?? '').trim().toLowerCase();
  if (mode && !['local', 'testcontainers', 'auto'].includes(mode)) {
    throw new Error(`BOOKING_BACKING must be "local", "testcontainers" or unset, got "${mode}"`);
  }
  const engine = containerEngine(env);
  const useContainers =
    mode === 'testcontainers' || (mode !== 'local' && !opts.persistentDir && engine !== undefined);

  if (useContainers) {
    try {
      return await provision('testcontainers', externalMongo, externalRedis, log, () => ({
        mongo: () => startMongoContainer(env, log),
        redis: () => startRedisContainer(env),
      }));
    } catch (err) {
      if (mode === 'testcontainers') throw err;
      log(
        `[backing] !!!!! testcontainers failed (${engine ?? 'no engine'}): ${errorText(err)} !!!!!\n` +
          `[backing] !!!!! falling back to local binaries !!!!!`,
      );
    }
  }

  const dataRoot = opts.persistentDir ? path.resolve(opts.persistentDir) : undefined;
  const release = dataRoot ? lockDataDir(dataRoot) : () => {};
  try {
    const services = await provision('local-binaries', externalMongo, externalRedis, log, () => {
      const ports = dataRoot ? new PortMemo(path.join(dataRoot, 'ports.json')) : undefined;
      return {
        mongo: () => startLocalMongo(env, dataRoot, ports),
        redis: () => startLocalRedis(env, dataRoot, ports),
      };
    });
    const stop = services.stop;
    return {
      ...services,
      stop: async () => {
        try {
          await stop();
        } finally {
          release();
        }
      },
    };
  } catch (err) {
    release();
    throw err;
  }
}

async function provision(
  kind: Exclude<BackingKind, 'external'>,
  externalMongo: string | undefined,
  externalRedis: string | undefined,
  log: Log,
  starters: () => { mongo: () => Promise<Started>; redis: () => Promise<Started> },
): Promise<BackingServices> {
  const s = starters();
  const external = (uri: string): Promise<Started> =>
    Promise.resolve({ uri, what: 'external', stop: async () => {} });
  const results = await Promise.allSettled([
    externalMongo ? external(externalMongo) : s.mongo(),
    externalRedis ? external(externalRedis) : s.redis(),
  ]);
  const [mongoRes, redisRes] = results;
  if (mongoRes?.status !== 'fulfilled' || redisRes?.status !== 'fulfilled') {
    await Promise.allSettled(results.flatMap((r) => (r.status === 'fulfilled' ? [r.value.stop()] : [])));
    const reasons = results.flatMap((r) => (r.status === 'rejected' ? [errorText(r.reason)] : []));
    throw new Error(`could not start backing services (${kind}): ${reasons.join('; ')}`);
  }
  const mongo = mongoRes.value;
  const redis = redisRes.value;
  const describe = `${kind}: ${redact(mongo.uri)} (${mongo.what}), ${redact(redis.uri)} (${redis.what})`;
  log(`[backing] ${describe}`);
  let stopping: Promise<void> | undefined;
  return {
    kind,
    mongoUri: mongo.uri,
    redisUrl: redis.uri,
    describe,
    stop: () => {
      stopping ??= Promise.allSettled([mongo.stop(), redis.stop()]).then((rs) => {
        const failed = rs.flatMap((r) => (r.status === 'rejected' ? [errorText(r.reason)] : []));
        if (failed.length) throw new Error(`stopping backing services: ${failed.join('; ')}`);
      });
      return stopping;
    },
  };
}

// ---------------------------------------------------------------------------
// (b) testcontainers

const OWNER_LABEL = 'booking.backing.owner';

function containerEngine(env: NodeJS.ProcessEnv): string | undefined {
  if (nonEmpty(env.DOCKER_HOST)) return env.DOCKER_HOST;
  if (fs.existsSync('/var/run/docker.sock')) return 'unix:///var/run/docker.sock';
  return undefined;
}

function ownerLabels(): Record<string, string> {
  return { [OWNER_LABEL]: `${os.hostname()}:${process.pid}` };
}

/** Containers from earlier runs whose owner process died (no Ryuk under podman). */
let reaped: Promise<void> | undefined;
function reapOrphanContainers(log: Log): Promise<void> {
  reaped ??= (async () => {
    try {
      const { getContainerRuntimeClient } = await import('testcontainers');
      const client = await getContainerRuntimeClient();
      const docker = client.container.dockerode;
      const list = await docker.listContainers({ all: true, filters: { label: [OWNER_LABEL] } });
      for (const c of list) {
        const [host, pid] = (c.Labels[OWNER_LABEL] ?? '').split(':');
        if (host !== os.hostname() || !pid || pidAlive(Number(pid))) continue;
        log(`[backing] removing orphaned container ${c.Id.slice(0, 12)} (${c.Image}, owner pid ${pid} gone)`);
        await docker
          .getContainer(c.Id)
          .remove({ force: true, v: true })
          .catch(() => {});
      }
    } catch {
      // best effort
    }
  })();
  return reaped;
}

async function startMongoContainer(env: NodeJS.ProcessEnv, log: Log): Promise<Started> {
  const { GenericContainer, Wait } = await import('testcontainers');
  await reapOrphanContainers(log);
  const kindFerret = (env.BOOKING_TEST_MONGO_KIND ?? '').toLowerCase() === 'ferretdb';
  const backend = ferretdbBackend(env);
  const image =
    nonEmpty(env.BOOKING_TEST_MONGO_IMAGE) ??
    (kindFerret
      ? nonEmpty(
          backend === 'sqlite' ? env.BOOKING_TEST_FERRETDB_SQLITE_IMAGE : env.BOOKING_TEST_FERRETDB_PG_IMAGE,
        )
      : undefined) ??
    'mongo:7';
  const ferret = kindFerret || image.toLowerCase().includes('ferretdb');

  if (ferret) {
    // Our localhost/booking-ferretdb* images pass flags in their entrypoints
    // (flags win over env; the PostgreSQL one starts its own cluster inside);
    // the env makes an upstream FerretDB v1 image (SQLite) behave the same.
    const container = await new GenericContainer(image)
      .withExposedPorts(27017)
      .withEnvironment({
        FERRETDB_HANDLER: 'sqlite',
        FERRETDB_TELEMETRY: 'disable',
        FERRETDB_DEBUG_ADDR: '-',
        FERRETDB_LISTEN_ADDR: ':27017',
      })
      .withLabels(ownerLabels())
      .withWaitStrategy(Wait.forLogMessage(/Listening on TCP/))
      .withStartupTimeout(START_TIMEOUT_MS)
      .start();
    const uri = `mongodb://${hostOf(container.getHost())}:${container.getMappedPort(27017)}/`;
    try {
      await waitUntil(() => mongoPing(uri), START_TIMEOUT_MS, `FerretDB container ${image}`);
    } catch (err) {
      await container.stop().catch(() => {});
      throw err;
    }
    return { uri, what: image, stop: async () => void (await container.stop()) };
  }

  // Real MongoDB as a single-node replica set (transactions work). The member
  // is registered as 127.0.0.1:27017 (inside the container), so clients use
  // directConnection=true to talk to the mapped port.
  const container = await new GenericContainer(image)
    .withExposedPorts(27017)
    .withCommand(['--replSet', 'rs0', '--bind_ip_all'])
    .withLabels(ownerLabels())
    .withWaitStrategy(Wait.forLogMessage(/waiting for connections/i))
    .withStartupTimeout(START_TIMEOUT_MS)
    .start();
  const uri = `mongodb://${hostOf(container.getHost())}:${container.getMappedPort(27017)}/?directConnection=true`;
  try {
    await initiateReplicaSet(uri, '127.0.0.1:27017');
  } catch (err) {
    await container.stop().catch(() => {});
    throw err;
  }
  return {
    uri,
    what: `${image}, replica set rs0`,
    stop: async () => void (await container.stop()),
  };
}

async function startRedisContainer(env: NodeJS.ProcessEnv): Promise<Started> {
  const { GenericContainer, Wait } = await import('testcontainers');
  const image = nonEmpty(env.BOOKING_TEST_REDIS_IMAGE) ?? 'redis:7';
  const container = await new GenericContainer(image)
    .withExposedPorts(6379)
    .withLabels(ownerLabels())
    .withWaitStrategy(Wait.forLogMessage('Ready to accept connections'))
    .withStartupTimeout(START_TIMEOUT_MS)
    .start();
  const port = container.getMappedPort(6379);
  const host = hostOf(container.getHost());
  try {
    await waitUntil(() => redisPing(port, host), START_TIMEOUT_MS, `Redis container ${image}`);
  } catch (err) {
    await container.stop().catch(() => {});
    throw err;
  }
  return {
    uri: `redis://${host}:${port}`,
    what: image,
    stop: async () => void (await container.stop()),
  };
}

function hostOf(host: string): string {
  return host === 'localhost' ? '127.0.0.1' : host;
}

// ---------------------------------------------------------------------------
// (c) local binaries

async function startLocalMongo(
  env: NodeJS.ProcessEnv,
  dataRoot: string | undefined,
  ports: PortMemo | undefined,
): Promise<Started> {
  const mongod = findBinary('mongod', env.BOOKING_MONGOD_BIN);
  if (mongod) {
    // Throwaway: single-node replica set (transactions work). Persistent: plain
    // mongod, because the replica set config would pin a port that may change.
    const replSet = !dataRoot;
    return startSupervised({
      name: 'mongod',
      dataRoot,
      ports,
      what: `mongod${replSet ? ', replica set rs0' : ''}`,
      command: (port, dir) => [
        mongod,
        [
          '--port',
          String(port),
          '--bind_ip',
          '127.0.0.1',
          '--dbpath',
          dir,
          '--quiet',
          ...(replSet ? ['--replSet', 'rs0'] : []),
        ],
      ],
      uri: (port) => `mongodb://127.0.0.1:${port}/${replSet ? '?replicaSet=rs0' : ''}`,
      ready: async (port) => {
        const direct = `mongodb://127.0.0.1:${port}/?directConnection=true`;
        if (!(await mongoPing(direct))) return false;
        if (replSet) await initiateReplicaSet(direct, `127.0.0.1:${port}`);
        return true;
      },
    });
  }

  const ferretdb = findFerretdb(env);
  if (!ferretdb) {
    throw new Error(
      'neither mongod nor a working ferretdb was found (PATH, $(go env GOPATH)/bin, /root/go/bin); ' +
        'run `bash scripts/install-ferretdb.sh`, or set MONGODB_URI',
    );
  }
  if (ferretdbBackend(env) === 'sqlite') {
    return startSupervised({
      name: 'ferretdb',
      dataRoot,
      ports,
      what: `${ferretdb.version} sqlite`,
      command: (port, dir) => {
        fs.mkdirSync(path.join(dir, 'sqlite'), { recursive: true });
        fs.mkdirSync(path.join(dir, 'state'), { recursive: true });
        return [
          ferretdb.bin,
          [
            '--handler=sqlite',
            `--sqlite-url=file:${path.join(dir, 'sqlite')}/`,
            ...ferretdbCommonFlags(dir, port),
          ],
        ];
      },
      uri: (port) => `mongodb://127.0.0.1:${port}/`,
      ready: (port) => mongoPing(`mongodb://127.0.0.1:${port}/`),
    });
  }

  const postgres = await startLocalPostgres(env, dataRoot, ports);
  try {
    const ferret = await startSupervised({
      name: 'ferretdb',
      dataRoot,
      ports,
      what: `${ferretdb.version} postgresql`,
      command: (port, dir) => {
        fs.mkdirSync(path.join(dir, 'state'), { recursive: true });
        return [
          ferretdb.bin,
          ['--handler=postgresql', `--postgresql-url=${postgres.uri}`, ...ferretdbCommonFlags(dir, port)],
        ];
      },
      uri: (port) => `mongodb://127.0.0.1:${port}/`,
      ready: (port) => mongoPing(`mongodb://127.0.0.1:${port}/`),
    });
    return {
      uri: ferret.uri,
      what: `${ferret.what}; on ${postgres.what}`,
      // FerretDB first: a PostgreSQL fast shutdown would break its connections.
      stop: async () => {
        try {
          await ferret.stop();
        } finally {
          await postgres.stop();
        }
      },
    };
  } catch (err) {
    await postgres.stop().catch(() => {});
    throw err;
  }
}

function ferretdbCommonFlags(dir: string, port: number): string[] {
  return [
    `--state-dir=${path.join(dir, 'state')}`,
    `--listen-addr=127.0.0.1:${port}`,
    '--debug-addr=-',
    '--telemetry=disable',
    '--log-level=warn',
  ];
}

export type FerretdbBackend = 'postgresql' | 'sqlite';

/** BOOKING_FERRETDB_BACKEND (dev and test tooling only; the service never reads it). */
export function ferretdbBackend(env: NodeJS.ProcessEnv): FerretdbBackend {
  const value = (env.BOOKING_FERRETDB_BACKEND ?? '').trim().toLowerCase();
  if (value === '' || value === 'postgresql' || value === 'postgres') return 'postgresql';
  if (value === 'sqlite') return 'sqlite';
  throw new Error(`BOOKING_FERRETDB_BACKEND must be "postgresql" (the default) or "sqlite", got "${value}"`);
}

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
export const FERRETDB_PG_POOL_MAX_CONNS = 400;
export const POSTGRES_MAX_CONNECTIONS = 450;

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
async function startLocalPostgres(
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
  return startSupervised({
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

/** The bin dir of the newest PostgreSQL with initdb, postgres and psql. */
function findPostgres(env: NodeJS.ProcessEnv): string | undefined {
  const has = (dir: string): boolean =>
    ['initdb', 'postgres', 'psql'].every((b) => isExecutable(path.join(dir, b)));
  const override = nonEmpty(env.BOOKING_POSTGRES_BINDIR);
  if (override) return has(override) ? override : undefined;
  const root = '/usr/lib/postgresql';
  let versions: string[] = [];
  try {
    versions = fs.readdirSync(root).filter((v) => has(path.join(root, v, 'bin')));
  } catch {
    // not installed there
  }
  versions.sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a));
  if (versions[0]) return path.join(root, versions[0], 'bin');
  const initdb = findBinary('initdb');
  return initdb && has(path.dirname(initdb)) ? path.dirname(initdb) : undefined;
}

/** Who runs PostgreSQL: undefined (ourselves) unless we are root. */
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

async function startLocalRedis(
  env: NodeJS.ProcessEnv,
  dataRoot: string | undefined,
  ports: PortMemo | undefined,
): Promise<Started> {
  const redis = findBinary('redis-server', env.BOOKING_REDIS_SERVER_BIN);
  if (!redis) {
    throw new Error('redis-server not found on PATH; run `bash scripts/install-redis.sh`, or set REDIS_URL');
  }
  const version = versionOf(redis, ['--version'], /v=(\S+)/) ?? '';
  return startSupervised({
    name: 'redis',
    dataRoot,
    ports,
    what: `redis-server ${version}`.trim(),
    command: (port, dir) => [
      redis,
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--dir',
        dir,
        '--daemonize',
        'no',
        '--protected-mode',
        'yes',
        '--save',
        '',
        ...(dataRoot ? ['--appendonly', 'yes'] : ['--appendonly', 'no']),
      ],
    ],
    uri: (port) => `redis://127.0.0.1:${port}`,
    ready: (port) => redisPing(port),
  });
}

interface SupervisedSpec {
  name: string;
  what: string;
  dataRoot: string | undefined;
  ports: PortMemo | undefined;
  /** Before the first start in `dir` (e.g. initdb). */
  prepare?: (dir: string) => Promise<void>;
  command: (port: number, dir: string) => [string, string[]];
  uri: (port: number) => string;
  ready: (port: number) => Promise<boolean>;
  /** The signal that stops it (default TERM). */
  stopSignal?: 'TERM' | 'INT';
}

/**
 * Runs `"$@"` with stdin from /dev/null and stays until the child exits or our
 * stdin (a pipe from the Node parent) reaches EOF: then it sends SIG$2 (TERM
 * or INT; SIGKILL after 10 s), waits, and removes the throwaway dir ($1) if any.
 */
const SUPERVISOR = `
cleanup="$1"; sig="$2"; shift 2
"$@" </dev/null &
child=$!
trap 'kill -"$sig" "$child" 2>/dev/null' TERM INT HUP
while kill -0 "$child" 2>/dev/null; do
  read -r -t 1 _; rc=$?
  if [ "$rc" -eq 0 ] || [ "$rc" -gt 128 ]; then continue; fi
  break
done
kill -"$sig" "$child" 2>/dev/null
i=0
while kill -0 "$child" 2>/dev/null && [ "$i" -lt 100 ]; do sleep 0.1; i=$((i+1)); done
kill -KILL "$child" 2>/dev/null
wait "$child"; status=$?
if [ -n "$cleanup" ]; then rm -rf -- "$cleanup"; fi
exit "$status"
`;

async function startSupervised(spec: SupervisedSpec): Promise<Started> {
  const attempts = spec.dataRoot ? 1 : 3;
  let lastError: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const throwaway = !spec.dataRoot;
    const dir = spec.dataRoot
      ? path.join(spec.dataRoot, spec.name)
      : fs.mkdtempSync(path.join(os.tmpdir(), `booking-${spec.name}-`));
    fs.mkdirSync(dir, { recursive: true });
    try {
      await spec.prepare?.(dir);
    } catch (err) {
      if (throwaway) fs.rmSync(dir, { recursive: true, force: true });
      throw err;
    }
    const logFile = spec.dataRoot
      ? path.join(spec.dataRoot, `${spec.name}.log`)
      : path.join(dir, 'server.log');
    const port = spec.ports ? await spec.ports.get(spec.name) : await freePort();
    const [cmd, args] = spec.command(port, dir);
    const logFd = fs.openSync(logFile, 'a');
    let child: ChildProcess;
    try {
      child = spawn(
        'bash',
        [
          '-c',
          SUPERVISOR,
          `booking-supervisor(${spec.name})`,
          throwaway ? dir : '',
          spec.stopSignal ?? 'TERM',
          cmd,
          ...args,
        ],
        {
          stdio: ['pipe', logFd, logFd],
          detached: true, // own session: a terminal's Ctrl-C reaches only us; we stop it in order
        },
      );
    } finally {
      fs.closeSync(logFd);
    }
    // Do not keep the event loop alive for it; the pipe closes when we exit.
    child.unref();
    const lifeline = child.stdin as net.Socket | null; // stdio 'pipe' => a net.Socket
    lifeline?.unref();
    lifeline?.on('error', () => {});
    const exited = new Promise<number | null>((resolve) => {
      if (child.exitCode !== null) resolve(child.exitCode);
      child.once('exit', (code) => resolve(code));
      child.once('error', () => resolve(-1));
    });

    const stop = async (): Promise<void> => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      lifeline?.end();
      const timer = setTimeout(() => killGroup(child, 'SIGKILL'), STOP_TIMEOUT_MS);
      try {
        await exited;
      } finally {
        clearTimeout(timer);
      }
    };

    try {
      await waitUntil(
        async () => {
          if (child.exitCode !== null || child.signalCode !== null) {
            throw new Error(`${spec.name} exited early (code ${child.exitCode ?? child.signalCode})`);
          }
          return spec.ready(port);
        },
        START_TIMEOUT_MS,
        `${spec.name} on 127.0.0.1:${port}`,
      );
      return {
        uri: spec.uri(port),
        what: `${spec.what}, data ${dir}`,
        stop,
      };
    } catch (err) {
      const tail = tailOf(logFile);
      await stop().catch(() => {});
      if (throwaway) fs.rmSync(dir, { recursive: true, force: true });
      lastError = new Error(`${errorText(err)}${tail ? `\n--- ${logFile} (tail) ---\n${tail}` : ''}`);
      if (!/exited early/.test(errorText(err))) break; // a timeout will not get better
    }
  }
  throw lastError;
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (!child.pid) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

/** One dev instance per data dir: two servers on one SQLite/AOF dir corrupt it. */
function lockDataDir(dir: string): () => void {
  fs.mkdirSync(dir, { recursive: true });
  const lock = path.join(dir, 'backing.pid');
  try {
    const other = Number(fs.readFileSync(lock, 'utf8').trim());
    if (other && other !== process.pid && pidAlive(other)) {
      throw new Error(`${dir} is in use by process ${other} (another dev server?); stop it first`);
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  fs.writeFileSync(lock, `${process.pid}\n`);
  return () => {
    try {
      if (fs.readFileSync(lock, 'utf8').trim() === String(process.pid)) fs.unlinkSync(lock);
    } catch {
      // gone already
    }
  };
}

/** Remembers the ports used with a persistent dir so URIs stay stable across restarts. */
class PortMemo {
  constructor(private readonly file: string) {}

  async get(name: string): Promise<number> {
    let saved: Record<string, number> = {};
    try {
      saved = JSON.parse(fs.readFileSync(this.file, 'utf8')) as Record<string, number>;
    } catch {
      // first run
    }
    const previous = saved[name];
    if (previous && (await portFree(previous))) return previous;
    const port = await freePort();
    // re-read: the other service may have written meanwhile
    try {
      saved = JSON.parse(fs.readFileSync(this.file, 'utf8')) as Record<string, number>;
    } catch {
      saved = {};
    }
    saved[name] = port;
    fs.writeFileSync(this.file, `${JSON.stringify(saved, null, 2)}\n`);
    return port;
  }
}

// ---------------------------------------------------------------------------
// probes and helpers

async function initiateReplicaSet(directUri: string, memberHost: string): Promise<void> {
  const { MongoClient } = await mongoDriver();
  const client = new MongoClient(directUri, { serverSelectionTimeoutMS: 20_000, directConnection: true });
  try {
    const admin = client.db('admin');
    try {
      await admin.command({ replSetInitiate: { _id: 'rs0', members: [{ _id: 0, host: memberHost }] } });
    } catch (err) {
      // 23 = AlreadyInitialized
      if ((err as { code?: number }).code !== 23) throw err;
    }
    await waitUntil(
      async () => (await admin.command({ hello: 1 })).isWritablePrimary === true,
      START_TIMEOUT_MS,
      'replica set primary',
    );
  } finally {
    await client.close(true).catch(() => {});
  }
}

/** The MongoDB driver that mongoose ships (no separate dependency). */
async function mongoDriver(): Promise<typeof MongoDriver> {
  const mongoose = await import('mongoose');
  return (mongoose.default ?? mongoose).mongo;
}

function findBinary(name: string, override?: string): string | undefined {
  if (nonEmpty(override)) return override;
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && isExecutable(path.join(dir, name))) return path.join(dir, name);
  }
  return undefined;
}

function findFerretdb(env: NodeJS.ProcessEnv): { bin: string; version: string } | undefined {
  const candidates = new Set<string>();
  const override = nonEmpty(env.BOOKING_FERRETDB_BIN);
  if (override) candidates.add(override);
  const onPath = findBinary('ferretdb');
  if (onPath) candidates.add(onPath);
  for (const dir of goBinDirs()) candidates.add(path.join(dir, 'ferretdb'));
  candidates.add('/root/go/bin/ferretdb');
  for (const bin of candidates) {
    if (!isExecutable(bin)) continue;
    // A bare `go install` build panics at start-up; --version tells.
    const version = versionOf(bin, ['--version'], /^version: (\S+)/m);
    if (version) return { bin, version: `ferretdb ${version}` };
  }
  return undefined;
}

function goBinDirs(): string[] {
  const dirs: string[] = [];
  if (process.env.GOBIN) dirs.push(process.env.GOBIN);
  try {
    const gopath = execFileSync('go', ['env', 'GOPATH'], { encoding: 'utf8', timeout: 5_000 }).trim();
    for (const p of gopath.split(path.delimiter)) if (p) dirs.push(path.join(p, 'bin'));
  } catch {
    // no Go
  }
  dirs.push(path.join(os.homedir(), 'go', 'bin'));
  return dirs;
}

function versionOf(bin: string, args: string[], re: RegExp): string | undefined {
  try {
    const out = execFileSync(bin, args, {
      encoding: 'utf8',
      timeout: 5_000,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return re.exec(out)?.[1];
  } catch {
    return undefined;
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function nonEmpty(v: string | undefined): string | undefined {
  return v && v.trim() ? v.trim() : undefined;
}

/** Hides passwords in URIs for logs. */
export function redact(uri: string): string {
  return uri.replace(/(\/\/[^:/@]+:)[^@/]*@/, '$1***@');
}

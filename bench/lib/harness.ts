/**
 * What a bench run sets up the same way in every mode: clean-ups that run
 * however it ends, the build, the monitored server with its client, the
 * app's database with a floor database beside it, and the facts about the
 * machine and the checkout that go into the report.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Redis } from 'ioredis';
import type { BackingServices } from '../../scripts/local-servers';
import { copyIndexes, MongoClient, type Db, type MongoClientT } from './docs';
import { newClient, waitForServer, type BookingServiceClient } from './grpc';
import type { ScenarioBase } from '../scenarios/context';
import { log, RESULTS, ROOT, sh, startServer, transpileWrapper, type Server } from './server';

export type Cleanup = () => Promise<void> | void;

/** Clean-ups run last first; one that fails is logged and the others still run. */
export class Cleanups {
  private readonly list: Cleanup[] = [];

  push(c: Cleanup): void {
    this.list.push(c);
  }

  async run(): Promise<void> {
    for (const c of this.list.splice(0).reverse()) {
      try {
        await c();
      } catch (err) {
        log(`cleanup: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }
}

/**
 * A hard bound on the whole run: whatever hangs, everything stops (exit 3);
 * SIGINT and SIGTERM clean up too (exit 130). Returns the timer to clear.
 */
export function guardRun(cleanups: Cleanups, limitMs: number, message: string): NodeJS.Timeout {
  const watchdog = setTimeout(() => {
    log(message);
    void cleanups.run().finally(() => process.exit(3));
  }, limitMs);
  watchdog.unref();
  for (const sig of ['SIGINT', 'SIGTERM'] as const)
    process.once(sig, () => void cleanups.run().finally(() => process.exit(130)));
  return watchdog;
}

/** `npm run build` unless told not to; the seconds it took. */
export function buildDist(build: boolean): number {
  if (!build) return 0;
  log('npm run build');
  const t0 = Date.now();
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });
  return (Date.now() - t0) / 1000;
}

export interface RunStart {
  /** Names the results: bench/results/<stamp>.json, .md and the folder <stamp>/. */
  stamp: string;
  outDir: string;
  startedAt: Date;
  cleanups: Cleanups;
  /** Clear it once the run has cleaned up. */
  watchdog: NodeJS.Timeout;
  buildS: number;
  /** The monitoring wrapper, transpiled (see transpileWrapper). */
  wrapper: string;
}

/** The start of every run: its results folder, its bound (see guardRun), the build. */
export function beginRun(
  command: string,
  limit: { ms: number; message: string },
  build: boolean,
  before?: () => void,
): RunStart {
  const stamp = runStamp();
  const outDir = path.join(RESULTS, stamp);
  fs.mkdirSync(outDir, { recursive: true });
  const startedAt = new Date();
  log(`${command} -> ${path.relative(ROOT, outDir)}`);
  before?.();
  const cleanups = new Cleanups();
  const watchdog = guardRun(cleanups, limit.ms, limit.message);
  const buildS = buildDist(build);
  return { stamp, outDir, startedAt, cleanups, watchdog, buildS, wrapper: transpileWrapper() };
}

/** The results' file stem: the start time, with no characters a file name cannot have. */
export const runStamp = (): string => new Date().toISOString().replace(/[:.]/g, '-');

export const loadAverage = (): number[] => os.loadavg().map((x) => Math.round(x * 100) / 100);

export const hostFacts = (): { cpu: string; memoryGiB: number; os: string; node: string } => ({
  cpu: `${os.cpus()[0]?.model ?? '?'} x ${os.cpus().length}`,
  memoryGiB: Math.round(os.totalmem() / 2 ** 30),
  os: `${os.type()} ${os.release()} ${os.arch()}`,
  node: process.version,
});

export interface GitFacts {
  commit: string;
  srcDirty: boolean;
  srcChanges?: string[];
  distBuiltAt: string;
}

/** The checkout measured; `changes`: also the last lines of `git diff --stat` of src. */
export function gitFacts(changes: boolean): GitFacts {
  return {
    commit: sh('git', ['rev-parse', '--short', 'HEAD']),
    srcDirty: sh('git', ['status', '--porcelain', '--', 'src']) !== '',
    ...(changes
      ? { srcChanges: sh('git', ['diff', '--stat', 'HEAD', '--', 'src']).split('\n').slice(-12) }
      : {}),
    /** With --no-build, dist/ may be older than HEAD: when it was built. */
    distBuiltAt: fs.statSync(path.join(ROOT, 'dist', 'main.js')).mtime.toISOString(),
  };
}

/** The first two lines of every report's header. */
export const headerStart = (date: string, durationS: number, command: string, git: GitFacts): string[] => [
  `date: ${date}  (run took ${durationS.toFixed(0)} s)`,
  `command: ${command}  (git ${git.commit}${git.srcDirty ? ', src modified' : ''}; dist built ${git.distBuiltAt})`,
];

/** The monitored server on database `dbName`, and a client that it has answered. */
async function startBenchServer(
  wrapper: string,
  backing: BackingServices,
  dbName: string,
  serverLog: string,
  env: Record<string, string>,
  cleanups: Cleanups,
): Promise<{ server: Server; rpc: BookingServiceClient; startedAt: number }> {
  const uri = new URL(backing.mongoUri);
  uri.pathname = `/${dbName}`;
  const server = await startServer(
    wrapper,
    {
      MONGODB_URI: uri.toString(),
      REDIS_URL: backing.redisUrl,
      LOG_LEVEL: 'warn',
      AUTH_DISABLED: 'true',
      ...env,
      WATCH_MAX_STREAMS_PER_PRINCIPAL: '100000',
      SHUTDOWN_GRACE_MS: '3000',
      METRICS_HOST: '127.0.0.1',
      METRICS_PORT: '0',
    },
    serverLog,
  );
  cleanups.push(() => server.stop());
  const rpc = newClient(server.target, 99);
  cleanups.push(() => rpc.close());
  await waitForServer(rpc, Date.now() + 60_000);
  return { server, rpc, startedAt: Date.now() };
}

interface Stores {
  mongo: MongoClientT;
  appDb: Db;
  /** The bare-driver floor's database, with the app's indexes. */
  floorDb: Db;
  floorDbName: string;
  redis: Redis;
}

/** Direct connections to the app's database, its floor database beside it, and Redis. */
async function openStores(backing: BackingServices, dbName: string, cleanups: Cleanups): Promise<Stores> {
  const mongo: MongoClientT = new MongoClient(backing.mongoUri, { maxPoolSize: 8 });
  await mongo.connect();
  cleanups.push(() => mongo.close());
  const appDb = mongo.db(dbName);
  const floorDbName = `${dbName}_floor`;
  const floorDb = mongo.db(floorDbName);
  await copyIndexes(appDb, floorDb);
  cleanups.push(async () => {
    if (backing.kind === 'external') {
      await appDb.dropDatabase().catch(() => undefined);
      await floorDb.dropDatabase().catch(() => undefined);
    }
  });
  const redis = new Redis(backing.redisUrl, { lazyConnect: false, maxRetriesPerRequest: 2 });
  cleanups.push(() => redis.disconnect());
  return { mongo, appDb, floorDb, floorDbName, redis };
}

/** The system a run measures: the monitored server, its client, and direct access to its stores. */
export interface System extends ScenarioBase {
  server: Server;
  mongo: MongoClientT;
  /** When the server first answered a call. */
  startedAt: number;
}

/** Starts the monitored server on database `dbName` and opens its stores; `env`: extra server settings. */
export async function startSystem(
  o: { wrapper: string; backing: BackingServices; dbName: string; outDir: string; serverLog: string },
  env: Record<string, string>,
  cleanups: Cleanups,
): Promise<System> {
  const { server, rpc, startedAt } = await startBenchServer(
    o.wrapper,
    o.backing,
    o.dbName,
    o.serverLog,
    env,
    cleanups,
  );
  const stores = await openStores(o.backing, o.dbName, cleanups);
  return {
    server,
    startedAt,
    target: server.target,
    controlPort: server.controlPort,
    mongoUri: o.backing.mongoUri,
    appDbName: o.dbName,
    ...stores,
    rpc,
    outDir: o.outDir,
    serverLog: o.serverLog,
  };
}

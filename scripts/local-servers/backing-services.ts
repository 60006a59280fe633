/**
 * The one way to obtain a MongoDB-wire database and a Redis for dev, tests,
 * the chaos run and the benchmark.
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
 *                      postgres.ts) or sqlite.
 *
 * BOOKING_BACKING=local forces (c); BOOKING_BACKING=testcontainers forces (b).
 * Child processes die with this process (normal exit, signals, SIGKILL): each runs
 * under the supervisor (supervisor.ts), which stops it and deletes its throwaway
 * data dir when this process stops it or dies.
 */
import * as path from 'node:path';
import { startMongoContainer, startRedisContainer } from './containers';
import { startLocalMongo, startLocalRedis } from './local-binaries';
import { errorText } from './probes';
import { backingMode, containerEngine, nonEmpty, redact } from './settings';
import { lockDataDir, PortMemo, type Started } from './start-server';

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

type Log = (line: string) => void;

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

  const mode = backingMode(env);
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

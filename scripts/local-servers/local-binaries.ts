/**
 * The backing services as local binaries on 127.0.0.1: `mongod` if on PATH,
 * else FerretDB (on the private PostgreSQL cluster, or SQLite), and
 * redis-server; each under the supervisor (start-server.ts).
 */
import { findBinary, findFerretdb, requireRedisServer, versionOf, type Ferretdb } from './binaries';
import { ferretdbArgs, redisArgs, type FerretdbStorage } from './commands';
import { startLocalPostgres } from './postgres';
import { initiateReplicaSet, mongoPing, redisPing } from './probes';
import { ferretdbBackend } from './settings';
import { startBackingServer, type PortMemo, type Started } from './start-server';

export async function startLocalMongo(
  env: NodeJS.ProcessEnv,
  dataRoot: string | undefined,
  ports: PortMemo | undefined,
): Promise<Started> {
  const mongod = findBinary('mongod', env.BOOKING_MONGOD_BIN);
  if (mongod) return startMongod(mongod, dataRoot, ports);

  const ferretdb = findFerretdb(env);
  if (!ferretdb) {
    throw new Error(
      'neither mongod nor a working ferretdb was found (PATH, $(go env GOPATH)/bin, /root/go/bin); ' +
        'run `bash scripts/install-ferretdb.sh`, or set MONGODB_URI',
    );
  }
  if (ferretdbBackend(env) === 'sqlite')
    return startFerretdb(ferretdb, { handler: 'sqlite' }, dataRoot, ports);

  const postgres = await startLocalPostgres(env, dataRoot, ports);
  try {
    const storage = { handler: 'postgresql', postgresqlUrl: postgres.uri } as const;
    const ferret = await startFerretdb(ferretdb, storage, dataRoot, ports);
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

function startFerretdb(
  ferretdb: Ferretdb,
  storage: FerretdbStorage,
  dataRoot: string | undefined,
  ports: PortMemo | undefined,
): Promise<Started> {
  return startBackingServer({
    name: 'ferretdb',
    dataRoot,
    ports,
    what: `${ferretdb.version} ${storage.handler}`,
    command: (port, dir) => [ferretdb.bin, ferretdbArgs(storage, dir, port)],
    uri: (port) => `mongodb://127.0.0.1:${port}/`,
    ready: (port) => mongoPing(`mongodb://127.0.0.1:${port}/`),
  });
}

function startMongod(
  mongod: string,
  dataRoot: string | undefined,
  ports: PortMemo | undefined,
): Promise<Started> {
  // Throwaway: single-node replica set (transactions work). Persistent: plain
  // mongod, because the replica set config would pin a port that may change.
  const replSet = !dataRoot;
  return startBackingServer({
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

export function startLocalRedis(
  env: NodeJS.ProcessEnv,
  dataRoot: string | undefined,
  ports: PortMemo | undefined,
): Promise<Started> {
  const redis = requireRedisServer(env);
  const version = versionOf(redis, ['--version'], /v=(\S+)/) ?? '';
  return startBackingServer({
    name: 'redis',
    dataRoot,
    ports,
    what: `redis-server ${version}`.trim(),
    command: (port, dir) => [redis, redisArgs(port, dir, dataRoot !== undefined)],
    uri: (port) => `redis://127.0.0.1:${port}`,
    ready: (port) => redisPing(port),
  });
}

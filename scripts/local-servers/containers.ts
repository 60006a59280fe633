/**
 * The backing services in containers, through testcontainers (Docker, or
 * podman's socket as CI provisions it): MongoDB as a single-node replica set,
 * or a FerretDB image, and Redis. Containers are labelled with their owner
 * process, so a later run removes those whose owner died (no Ryuk under podman).
 */
import * as os from 'node:os';
import { initiateReplicaSet, mongoPing, pidAlive, redisPing, waitUntil } from './probes';
import { ferretdbBackend, nonEmpty } from './settings';
import { START_TIMEOUT_MS, type Started } from './start-server';

type Log = (line: string) => void;

const OWNER_LABEL = 'booking.backing.owner';

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

export async function startMongoContainer(env: NodeJS.ProcessEnv, log: Log): Promise<Started> {
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

export async function startRedisContainer(env: NodeJS.ProcessEnv): Promise<Started> {
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

/**
 * The processes of a chaos run, all on 127.0.0.1 and all private to the run:
 * one FerretDB (on a private PostgreSQL, or SQLite), one redis-server, and N
 * booking instances (`node --import tsx src/main.ts`: one process per
 * instance, so a SIGKILL hits the server itself; no build step, so the code
 * under test is always the working tree's src/).
 *
 * Every process is a scripts/local-servers LocalServer: its supervisor stops
 * it if this runner dies in any way (even SIGKILL), so nothing outlives the
 * run; a chaos kill SIGKILLs its process group and a restart brings it back on
 * the same port and data.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  ferretdbArgs,
  ferretdbBackend,
  LocalServer,
  mongoPing,
  obtainBackingServices,
  redisArgs,
  redisPing,
  requireFerretdb,
  requireRedisServer,
  type BackingServices,
} from '../../scripts/local-servers';
import { errorText, freePort, sleep } from './util';
import { Instance, type InstanceSettings } from './instance';

export type { Instance } from './instance';

/** FerretDB + Redis + instances of one run. */
export class Cluster {
  /** FerretDB on SQLite, when that is what runs. */
  ferret: LocalServer | undefined;
  /** FerretDB on a private PostgreSQL (the default backend), when that is what runs. */
  backing: BackingServices | undefined;
  redis: LocalServer | undefined;
  mongoUri = '';
  redisRestarts = 0;
  readonly instances: Instance[] = [];
  readonly describe: string[] = [];

  /**
   * @param dir logs, pid files
   * @param dataDir FerretDB's SQLite files and Redis's dir: on tmpfs when there
   *   is one (no fsync cost: the database dies with the run anyway)
   */
  constructor(
    readonly dir: string,
    readonly dataDir: string,
  ) {}

  get redisUrl(): string {
    return `redis://127.0.0.1:${this.redis?.port ?? 0}`;
  }

  /**
   * FerretDB on the backend BOOKING_FERRETDB_BACKEND names: PostgreSQL (the
   * default, a private cluster started by scripts/local-servers, as dev and
   * the tests have it) or SQLite (started here, on tmpfs when there is one).
   */
  async startFerret(): Promise<void> {
    if (ferretdbBackend(process.env) === 'sqlite') return this.startFerretSqlite();
    // Only the database: Redis is this run's own (startRedis), restarted on purpose.
    this.backing = await obtainBackingServices({
      env: { ...process.env, BOOKING_BACKING: 'local', MONGODB_URI: '', REDIS_URL: 'redis://127.0.0.1:1' },
      log: () => {},
    });
    const uri = new URL(this.backing.mongoUri);
    uri.pathname = '/chaos';
    this.mongoUri = uri.toString();
    this.describe.push(`ferretdb on PostgreSQL: ${this.backing.describe}`);
  }

  private async startFerretSqlite(): Promise<void> {
    const { bin, version } = requireFerretdb();
    const data = path.join(this.dataDir, 'ferretdb');
    this.ferret = await startOnFreePort('ferretdb', (port) => {
      const uri = `mongodb://127.0.0.1:${port}/chaos`;
      return new LocalServer({
        ...this.files('ferretdb'),
        port,
        dir: data,
        command: bin,
        args: ferretdbArgs({ handler: 'sqlite' }, data, port),
        ready: () => mongoPing(uri),
        readyTimeoutMs: 30_000,
      });
    });
    this.mongoUri = `mongodb://127.0.0.1:${this.ferret.port}/chaos`;
    this.describe.push(`${version} (${bin}, sqlite) on 127.0.0.1:${this.ferret.port}`);
  }

  async startRedis(): Promise<void> {
    const bin = requireRedisServer();
    const data = path.join(this.dataDir, 'redis');
    this.redis = await startOnFreePort(
      'redis-server',
      (port) =>
        new LocalServer({
          ...this.files('redis'),
          port,
          dir: data,
          command: bin,
          args: redisArgs(port, data),
          ready: () => redisPing(port),
          readyTimeoutMs: 15_000,
        }),
    );
    this.describe.push(`redis-server (${bin}) on 127.0.0.1:${this.redis.port}`);
  }

  /** SIGKILLs Redis, leaves it down for `downMs`, starts it again on the same port. */
  async restartRedis(downMs: number): Promise<void> {
    const redis = this.redis;
    if (!redis) throw new Error('redis-server was never started');
    fs.appendFileSync(redis.logFile, `--- chaos: SIGKILL at ${new Date().toISOString()} ---\n`);
    await redis.kill();
    await sleep(downMs);
    // The same port: it may still be in use for a moment after the kill.
    for (let attempt = 1; ; attempt++) {
      try {
        await redis.start();
        break;
      } catch (err) {
        if (attempt >= 20) throw new Error(`could not restart redis-server: ${errorText(err)}`);
        await sleep(250);
      }
    }
    this.redisRestarts += 1;
  }

  /** Its log and pid file in the run's dir (the log's tail is printed when the run fails). */
  private files(name: string): { name: string; logFile: string; pidFile: string } {
    return { name, logFile: path.join(this.dir, `${name}.log`), pidFile: path.join(this.dir, `${name}.pid`) };
  }

  async addInstances(n: number, settings: InstanceSettings): Promise<void> {
    for (let i = 0; i < n; i++) {
      const port = await freePort();
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        MONGODB_URI: this.mongoUri,
        REDIS_URL: this.redisUrl,
        PORT: String(port),
        BIND_HOST: '127.0.0.1',
        LOG_LEVEL: settings.logLevel,
        RECONCILER_ENABLED: 'true',
        RECONCILER_INTERVAL_MS: String(settings.reconcilerIntervalMs),
        RECONCILER_GRACE_MS: String(settings.reconcilerGraceMs),
        HOLD_CONFIRM_MARGIN_MS: String(settings.holdConfirmMarginMs),
        SHUTDOWN_GRACE_MS: '1000',
        // Prometheus metrics: several instances on one machine, so no fixed port.
        METRICS_HOST: '127.0.0.1',
        METRICS_PORT: '0',
        // The minimum: keeps request_log small (the reconciler's purge scans it on
        // FerretDB); retries never start later than 40 s after the first attempt.
        REQUEST_ID_RETENTION_MS: '60000',
        NODE_ENV: 'production',
        // Authentication (when the service has it) is off: every call acts as an anonymous admin.
        AUTH_DISABLED: 'true',
      };
      // A TS loader set by a parent (jest, tsx) must not leak into the instances.
      delete env.NODE_OPTIONS;
      const instance = new Instance(i, port, path.join(this.dir, `booking-${i}.log`), this.dir, env);
      this.instances.push(instance);
    }
    await Promise.all(this.instances.map((i) => i.start()));
    this.describe.push(
      `${n} booking instances (node --import tsx src/main.ts) on ${this.instances
        .map((i) => `127.0.0.1:${i.port}`)
        .join(', ')}`,
    );
  }

  /** Kills everything (instances first), bounded. */
  async stopAll(): Promise<void> {
    await Promise.allSettled(this.instances.map((i) => i.stop()));
    await Promise.allSettled([this.redis?.kill(), this.ferret?.kill(), this.backing?.stop()]);
  }
}

/** Starts the server `make` builds on a free port; on another if it fails (a port taken meanwhile), 3 tries. */
async function startOnFreePort(what: string, make: (port: number) => LocalServer): Promise<LocalServer> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= 3; attempt++) {
    const server = make(await freePort());
    try {
      await server.start();
      return server;
    } catch (err) {
      lastError = err;
    }
  }
  throw new Error(`could not start ${what}: ${errorText(lastError)}`);
}

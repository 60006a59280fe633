/**
 * The processes of a chaos run, all on 127.0.0.1 and all private to the run:
 * one FerretDB (SQLite handler, throwaway dir), one redis-server, and N booking
 * instances (`node --import tsx src/main.ts`: one process per instance, so a
 * SIGKILL hits the server itself; no build step, so the code under test is
 * always the working tree's src/).
 *
 * Every process runs under a tiny bash supervisor whose stdin is a pipe from
 * this runner: if the runner dies in any way (even SIGKILL), the pipe reaches
 * EOF and the supervisor SIGKILLs its child, so nothing outlives the run. The
 * supervisor writes its child's pid to a file; chaos signals go to that pid.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import type * as net from 'node:net';
import * as path from 'node:path';
import { credentials } from '@grpc/grpc-js';
import { BookingServiceClient } from '../../src/gen/booking/v1/booking_service';
import {
  ferretdbBackend,
  obtainBackingServices,
  type BackingServices,
} from '../../scripts/local-servers/backing-services';
import { mongoPing, redisPing } from '../../scripts/local-servers/probes';
import { errorText, freePort, sleep, tailOf, waitUntil } from './util';

const SUPERVISOR = `
pidfile="$1"; shift
"$@" </dev/null &
child=$!
echo "$child" > "$pidfile"
while kill -0 "$child" 2>/dev/null; do
  read -r -t 1 _; rc=$?
  if [ "$rc" -eq 0 ] || [ "$rc" -gt 128 ]; then continue; fi
  break
done
kill -KILL "$child" 2>/dev/null
wait "$child"
`;

export const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** One supervised child process. */
export class Supervised {
  private constructor(
    readonly name: string,
    readonly logFile: string,
    private readonly supervisor: ChildProcess,
    readonly pid: number,
    readonly exited: Promise<void>,
  ) {}

  static async start(opts: {
    name: string;
    command: string;
    args: string[];
    env?: NodeJS.ProcessEnv;
    cwd?: string;
    logFile: string;
    pidFile: string;
  }): Promise<Supervised> {
    fs.rmSync(opts.pidFile, { force: true });
    const logFd = fs.openSync(opts.logFile, 'a');
    let supervisor: ChildProcess;
    try {
      supervisor = spawn(
        'bash',
        ['-c', SUPERVISOR, `chaos-supervisor(${opts.name})`, opts.pidFile, opts.command, ...opts.args],
        {
          stdio: ['pipe', logFd, logFd],
          env: opts.env ?? process.env,
          cwd: opts.cwd ?? REPO_ROOT,
          // Own process group: a terminal's Ctrl-C reaches only the runner, which stops everything in order.
          detached: true,
        },
      );
    } finally {
      fs.closeSync(logFd);
    }
    supervisor.unref();
    const lifeline = supervisor.stdin as net.Socket | null;
    lifeline?.unref();
    lifeline?.on('error', () => undefined);
    const exited = new Promise<void>((resolve) => {
      if (supervisor.exitCode !== null || supervisor.signalCode !== null) resolve();
      supervisor.once('exit', () => resolve());
      supervisor.once('error', () => resolve());
    });
    let pid = 0;
    await waitUntil(
      () => {
        try {
          pid = Number(fs.readFileSync(opts.pidFile, 'utf8').trim());
        } catch {
          pid = 0;
        }
        if (pid > 0) return true;
        if (supervisor.exitCode !== null) throw new Error(`${opts.name}: supervisor exited at once`);
        return false;
      },
      10_000,
      `${opts.name} pid file`,
      20,
    );
    return new Supervised(opts.name, opts.logFile, supervisor, pid, exited);
  }

  /** Whether the supervised process (not the supervisor) still runs. */
  alive(): boolean {
    try {
      process.kill(this.pid, 0);
      return true;
    } catch {
      return false;
    }
  }

  /** Sends `signal` to the supervised process; the supervisor then exits too. */
  signal(signal: NodeJS.Signals): void {
    try {
      process.kill(this.pid, signal);
    } catch {
      // gone already
    }
  }

  /** SIGKILLs the process and waits until both it and its supervisor are gone (bounded). */
  async kill(): Promise<void> {
    this.signal('SIGKILL');
    (this.supervisor.stdin as net.Socket | null)?.end();
    const gone = Promise.all([this.exited, waitUntil(() => !this.alive(), 10_000, `${this.name} exit`, 20)]);
    await Promise.race([gone.then(() => undefined), sleep(10_000)]);
  }
}

// ---------------------------------------------------------------------------

/** Whether a booking instance answers a cheap RPC. */
export function instanceReady(port: number, timeoutMs = 1_000): Promise<boolean> {
  const client = new BookingServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());
  return new Promise<boolean>((resolve) => {
    client.listServices(
      { pageSize: 1, pageToken: '', activeOnly: false, showDeleted: false },
      { deadline: Date.now() + timeoutMs } as never,
      (err) => resolve(!err),
    );
  }).finally(() => client.close());
}

function which(name: string, extra: string[] = []): string | undefined {
  for (const dir of [...(process.env.PATH ?? '').split(path.delimiter), ...extra]) {
    if (!dir) continue;
    const file = path.join(dir, name);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return file;
    } catch {
      // next
    }
  }
  return undefined;
}

export interface InstanceSettings {
  reconcilerIntervalMs: number;
  reconcilerGraceMs: number;
  holdConfirmMarginMs: number;
  logLevel: string;
}

/** A booking instance on a fixed port; restarted in place after each kill. */
export class Instance {
  proc: Supervised | undefined;
  starts = 0;
  kills = 0;
  /** When it last became ready / went down, for the timeline. */
  downSince: number | null = null;

  constructor(
    readonly index: number,
    readonly port: number,
    readonly logFile: string,
    private readonly dir: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  get name(): string {
    return `booking-${this.index}`;
  }

  get up(): boolean {
    return this.proc !== undefined && this.downSince === null;
  }

  async start(timeoutMs = 60_000): Promise<number> {
    const t0 = Date.now();
    this.starts += 1;
    fs.appendFileSync(this.logFile, `--- chaos: start #${this.starts} at ${new Date().toISOString()} ---\n`);
    this.proc = await Supervised.start({
      name: this.name,
      command: process.execPath,
      args: ['--import', 'tsx', 'src/main.ts'],
      env: this.env,
      cwd: REPO_ROOT,
      logFile: this.logFile,
      pidFile: path.join(this.dir, `${this.name}.pid`),
    });
    const proc = this.proc;
    try {
      await waitUntil(
        async () => {
          if (!proc.alive()) {
            throw new Error(`${this.name} exited during start-up:\n${tailOf(this.logFile, 15)}`);
          }
          return instanceReady(this.port);
        },
        timeoutMs,
        `${this.name} on 127.0.0.1:${this.port}`,
        100,
      );
    } catch (err) {
      await proc.kill(); // it holds the port: a retry must not find it there
      throw err;
    }
    this.downSince = null;
    return Date.now() - t0;
  }

  async sigkill(): Promise<void> {
    this.downSince = Date.now();
    this.kills += 1;
    fs.appendFileSync(this.logFile, `--- chaos: SIGKILL at ${new Date().toISOString()} ---\n`);
    await this.proc?.kill();
  }

  async stop(): Promise<void> {
    this.downSince ??= Date.now();
    await this.proc?.kill();
  }
}

/** FerretDB + Redis + instances of one run. */
export class Cluster {
  ferret: Supervised | undefined;
  /** FerretDB on a private PostgreSQL (the default backend), when that is what runs. */
  backing: BackingServices | undefined;
  redis: Supervised | undefined;
  mongoUri = '';
  redisPort = 0;
  redisRestarts = 0;
  readonly instances: Instance[] = [];
  readonly describe: string[] = [];

  /**
   * @param dir logs, pid files
   * @param dataDir FerretDB's SQLite files: on tmpfs when there is one (no
   *   fsync cost: the database dies with the run anyway)
   */
  constructor(
    readonly dir: string,
    readonly dataDir: string,
  ) {}

  get redisUrl(): string {
    return `redis://127.0.0.1:${this.redisPort}`;
  }

  /**
   * FerretDB on the backend BOOKING_FERRETDB_BACKEND names: PostgreSQL (the
   * default, a private cluster started by scripts/local-servers/backing-services.ts, as
   * dev and the tests have it) or SQLite (started here, on tmpfs when there is one).
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
    const bin = which('ferretdb', ['/root/go/bin', path.join(process.env.HOME ?? '/root', 'go', 'bin')]);
    if (!bin) throw new Error('ferretdb not found (PATH, ~/go/bin); run `bash scripts/install-ferretdb.sh`');
    const data = path.join(this.dataDir, 'ferretdb');
    fs.mkdirSync(path.join(data, 'sqlite'), { recursive: true });
    fs.mkdirSync(path.join(data, 'state'), { recursive: true });
    let lastError: unknown;
    for (let attempt = 1; attempt <= 3; attempt++) {
      const port = await freePort();
      this.ferret = await Supervised.start({
        name: 'ferretdb',
        command: bin,
        args: [
          '--handler=sqlite',
          `--sqlite-url=file:${path.join(data, 'sqlite')}/`,
          `--state-dir=${path.join(data, 'state')}`,
          `--listen-addr=127.0.0.1:${port}`,
          '--debug-addr=-',
          '--telemetry=disable',
          '--log-level=warn',
        ],
        logFile: path.join(this.dir, 'ferretdb.log'),
        pidFile: path.join(this.dir, 'ferretdb.pid'),
      });
      const uri = `mongodb://127.0.0.1:${port}/chaos`;
      const proc = this.ferret;
      try {
        await waitUntil(
          async () => {
            if (!proc.alive()) throw new Error('ferretdb exited early');
            return mongoPing(uri);
          },
          30_000,
          `ferretdb on 127.0.0.1:${port}`,
        );
        this.mongoUri = uri;
        this.describe.push(`ferretdb (${bin}, sqlite) on 127.0.0.1:${port}`);
        return;
      } catch (err) {
        lastError = err;
        await proc.kill();
      }
    }
    throw new Error(
      `could not start ferretdb: ${errorText(lastError)}\n${tailOf(path.join(this.dir, 'ferretdb.log'), 25)}`,
    );
  }

  async startRedis(port?: number): Promise<void> {
    const bin = which('redis-server');
    if (!bin) throw new Error('redis-server not found on PATH; run `bash scripts/install-redis.sh`');
    let lastError: unknown;
    for (let attempt = 1; attempt <= (port ? 20 : 3); attempt++) {
      const p = port ?? (await freePort());
      const proc = await Supervised.start({
        name: 'redis',
        command: bin,
        args: ['--port', String(p), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
        logFile: path.join(this.dir, 'redis.log'),
        pidFile: path.join(this.dir, 'redis.pid'),
      });
      try {
        await waitUntil(
          async () => {
            if (!proc.alive()) throw new Error('redis-server exited early');
            return redisPing(p);
          },
          15_000,
          `redis-server on 127.0.0.1:${p}`,
        );
        this.redis = proc;
        if (!this.redisPort) this.describe.push(`redis-server (${bin}) on 127.0.0.1:${p}`);
        this.redisPort = p;
        return;
      } catch (err) {
        lastError = err;
        await proc.kill();
        // The same port: it may still be in use for a moment after the kill.
        if (port) await sleep(250);
      }
    }
    throw new Error(
      `could not start redis-server: ${errorText(lastError)}\n${tailOf(path.join(this.dir, 'redis.log'), 25)}`,
    );
  }

  /** SIGKILLs Redis, leaves it down for `downMs`, starts it again on the same port. */
  async restartRedis(downMs: number): Promise<void> {
    fs.appendFileSync(
      path.join(this.dir, 'redis.log'),
      `--- chaos: SIGKILL at ${new Date().toISOString()} ---\n`,
    );
    await this.redis?.kill();
    await sleep(downMs);
    await this.startRedis(this.redisPort);
    this.redisRestarts += 1;
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

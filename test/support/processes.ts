/**
 * Private backing-service processes for outage tests: a redis-server or a
 * FerretDB that a test can kill (SIGKILL, like a crash) and start again on the
 * same port and data directory, without touching the shared services of the
 * global setup. They are scripts/local-servers' LocalServer: its supervisor
 * kills them if the test worker dies without running its afterAll, and kills
 * by the process group it spawned, never by name.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  ferretdbArgs,
  freePort,
  LocalServer,
  mongoPing,
  type LocalServerSpec,
  redisArgs,
  redisPing,
  requireFerretdb,
  requireRedisServer,
  sleep,
} from '../../scripts/local-servers';

export { sleep };

const READY_TIMEOUT_MS = 30_000;

export interface KillableServer {
  readonly name: string;
  readonly port: number;
  /** Connection string for clients: redis://... or mongodb://.../ */
  readonly uri: string;
  readonly running: boolean;
  /** Starts the server (again: same port, same data) and waits until it answers. */
  start(): Promise<void>;
  /** SIGKILLs the server (a crash) and waits until it is gone. */
  kill(): Promise<void>;
  /** Kills it if running and removes its data directory. Idempotent. */
  dispose(): Promise<void>;
}

/** A redis-server with no persistence on a free port (started); `extraArgs` are appended to its command line. */
export async function startPrivateRedis(extraArgs: readonly string[] = []): Promise<KillableServer> {
  const bin = requireRedisServer();
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'booking-test-redis-'));
  return startKillable(`redis://127.0.0.1:${port}`, {
    name: 'redis-server',
    port,
    dir,
    command: bin,
    args: [...redisArgs(port, dir), ...extraArgs],
    ready: () => redisPing(port),
  });
}

/** A FerretDB (SQLite handler) on a free port with its own data dir (started). */
export async function startPrivateFerretdb(): Promise<KillableServer> {
  const { bin } = requireFerretdb();
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'booking-test-ferretdb-'));
  const uri = `mongodb://127.0.0.1:${port}/`;
  return startKillable(uri, {
    name: 'ferretdb',
    port,
    dir,
    command: bin,
    args: ferretdbArgs({ handler: 'sqlite' }, dir, port),
    ready: () => mongoPing(uri),
  });
}

/** Throwaway: the supervisor removes the dir if the worker dies; dispose() removes it otherwise. */
async function startKillable(
  uri: string,
  spec: Omit<LocalServerSpec, 'throwaway' | 'readyTimeoutMs'>,
): Promise<KillableServer> {
  const server = new LocalServer({ ...spec, throwaway: true, readyTimeoutMs: READY_TIMEOUT_MS });
  let disposed = false;
  const killable: KillableServer = {
    name: server.name,
    port: server.port,
    uri,
    get running() {
      return server.running;
    },
    start: () => {
      if (disposed) return Promise.reject(new Error(`${server.name} was disposed`));
      return server.start();
    },
    kill: () => server.kill(),
    dispose: async () => {
      if (disposed) return;
      disposed = true;
      await server.kill();
      fs.rmSync(server.dir, { recursive: true, force: true });
    },
  };
  try {
    await killable.start();
  } catch (err) {
    await killable.dispose();
    throw err;
  }
  return killable;
}

/**
 * Polls `check` until it returns a value other than undefined (a throw counts
 * as "not yet"), for up to `timeoutMs`; then fails naming `what`.
 */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  opts: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 20_000;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const why = lastError instanceof Error ? `: last error ${lastError.message}` : '';
      throw new Error(`${opts.what ?? 'condition'} not met within ${timeoutMs} ms${why}`);
    }
    await sleep(opts.intervalMs ?? 100);
  }
}

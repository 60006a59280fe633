/**
 * Private backing-service processes for outage tests: a redis-server or a
 * FerretDB that a test can kill (SIGKILL, like a crash) and start again on the
 * same port and data directory, without touching the shared services of the
 * global setup.
 *
 * Each process runs under a small bash supervisor in its own process group,
 * whose stdin is a pipe from this (worker) process: if the worker dies without
 * running its afterAll, EOF on that pipe makes the supervisor kill the server.
 * Killing is by process group id (the one we spawned), never by name.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import type * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort, isExecutable, mongoPing, portFree, redisPing } from './probes';

const READY_TIMEOUT_MS = 30_000;

/** Runs "$@" until it exits or our stdin reaches EOF, then kills it. */
const SUPERVISOR = `
"$@" </dev/null &
child=$!
trap 'kill -KILL "$child" 2>/dev/null; exit 0' TERM INT HUP
while kill -0 "$child" 2>/dev/null; do
  read -r -t 1 _; rc=$?
  if [ "$rc" -eq 0 ] || [ "$rc" -gt 128 ]; then continue; fi
  break
done
kill -KILL "$child" 2>/dev/null
wait "$child"
`;

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

interface Spec {
  name: string;
  port: number;
  dir: string;
  uri: string;
  command: () => [string, string[]];
  ready: () => Promise<boolean>;
}

class SupervisedServer implements KillableServer {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private disposed = false;

  constructor(private readonly spec: Spec) {}

  get name(): string {
    return this.spec.name;
  }
  get port(): number {
    return this.spec.port;
  }
  get uri(): string {
    return this.spec.uri;
  }
  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  async start(): Promise<void> {
    if (this.disposed) throw new Error(`${this.name} was disposed`);
    if (this.running) return;
    const [cmd, args] = this.spec.command();
    const logFd = fs.openSync(path.join(this.spec.dir, 'server.log'), 'a');
    let child: ChildProcess;
    try {
      child = spawn('bash', ['-c', SUPERVISOR, `test-supervisor(${this.name})`, cmd, ...args], {
        stdio: ['pipe', logFd, logFd],
        detached: true, // own process group: kill() reaches the supervisor and the server
      });
    } finally {
      fs.closeSync(logFd);
    }
    child.unref();
    const lifeline = child.stdin as net.Socket | null;
    lifeline?.unref();
    lifeline?.on('error', () => undefined);
    this.child = child;
    this.exited = new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.once('error', () => resolve());
    });
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      if (!this.running) throw new Error(`${this.name} exited during start-up:\n${this.logTail()}`);
      if (await this.spec.ready()) return;
      if (Date.now() > deadline) {
        await this.kill();
        throw new Error(`${this.name} not ready on port ${this.port}:\n${this.logTail()}`);
      }
      await sleep(100);
    }
  }

  async kill(): Promise<void> {
    const child = this.child;
    if (!child?.pid) return;
    if (this.running) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await this.exited;
    this.child = undefined;
    // The server is in the group too; wait until its port is closed.
    const deadline = Date.now() + 10_000;
    while (!(await portFree(this.port)) && Date.now() < deadline) await sleep(50);
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.kill();
    fs.rmSync(this.spec.dir, { recursive: true, force: true });
  }

  private logTail(): string {
    try {
      return fs
        .readFileSync(path.join(this.spec.dir, 'server.log'), 'utf8')
        .trimEnd()
        .split('\n')
        .slice(-20)
        .join('\n');
    } catch {
      return '';
    }
  }
}

/** A redis-server with no persistence on a free port (started). */
export async function startPrivateRedis(extraArgs: readonly string[] = []): Promise<KillableServer> {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'booking-test-redis-'));
  const server = new SupervisedServer({
    name: 'redis-server',
    port,
    dir,
    uri: `redis://127.0.0.1:${port}`,
    command: () => [
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--dir',
        dir,
        '--save',
        '',
        '--appendonly',
        'no',
        ...extraArgs,
      ],
    ],
    ready: () => redisPing(port),
  });
  await startOrDispose(server);
  return server;
}

/** A FerretDB (SQLite handler) on a free port with its own data dir (started). */
export async function startPrivateFerretdb(): Promise<KillableServer> {
  const bin = ferretdbBinary();
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'booking-test-ferretdb-'));
  fs.mkdirSync(path.join(dir, 'sqlite'));
  fs.mkdirSync(path.join(dir, 'state'));
  const uri = `mongodb://127.0.0.1:${port}/`;
  const server = new SupervisedServer({
    name: 'ferretdb',
    port,
    dir,
    uri,
    command: () => [
      bin,
      [
        '--handler=sqlite',
        `--sqlite-url=file:${path.join(dir, 'sqlite')}/`,
        `--state-dir=${path.join(dir, 'state')}`,
        `--listen-addr=127.0.0.1:${port}`,
        '--debug-addr=-',
        '--telemetry=disable',
        '--log-level=warn',
      ],
    ],
    ready: () => mongoPing(uri),
  });
  await startOrDispose(server);
  return server;
}

async function startOrDispose(server: KillableServer): Promise<void> {
  try {
    await server.start();
  } catch (err) {
    await server.dispose();
    throw err;
  }
}

function ferretdbBinary(): string {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, 'ferretdb');
    if (dir && isExecutable(candidate)) return candidate;
  }
  if (isExecutable('/root/go/bin/ferretdb')) return '/root/go/bin/ferretdb';
  throw new Error('ferretdb not found on PATH or at /root/go/bin/ferretdb');
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

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

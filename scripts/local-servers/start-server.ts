/**
 * How a backing service's local server gets its directory, port and log: a
 * throwaway temporary directory and a free port (tests, bench, chaos), or a
 * persistent data root (dev: `.data/`) with the ports it had last time, so
 * that URIs stay stable across restarts, and one owner at a time.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort, pidAlive, portFree } from './probes';
import { ExitedDuringStartup, LocalServer } from './server';

export const START_TIMEOUT_MS = 60_000;

/** A started backing service. */
export interface Started {
  uri: string;
  /** What runs, for the describe line, e.g. "ferretdb v1.24.2 sqlite, data /tmp/...". */
  what: string;
  stop(): Promise<void>;
}

export interface BackingServerSpec {
  name: string;
  what: string;
  /** Persistent data root (dev); undefined: a throwaway directory removed when it stops. */
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

/** Starts it under the supervisor; a throwaway one is tried on up to 3 ports (a port taken meanwhile). */
export async function startBackingServer(spec: BackingServerSpec): Promise<Started> {
  const throwaway = !spec.dataRoot;
  let lastError: unknown;
  for (let attempt = 1; attempt <= (throwaway ? 3 : 1); attempt++) {
    const dir = spec.dataRoot
      ? path.join(spec.dataRoot, spec.name)
      : fs.mkdtempSync(path.join(os.tmpdir(), `booking-${spec.name}-`));
    fs.mkdirSync(dir, { recursive: true });
    try {
      await spec.prepare?.(dir);
      const port = spec.ports ? await spec.ports.get(spec.name) : await freePort();
      const [command, args] = spec.command(port, dir);
      const server = new LocalServer({
        name: spec.name,
        port,
        dir,
        command,
        args,
        ...(spec.dataRoot && {
          logFile: path.join(spec.dataRoot, `${spec.name}.log`),
          pidFile: path.join(spec.dataRoot, `${spec.name}.pid`),
        }),
        ready: () => spec.ready(port),
        readyTimeoutMs: START_TIMEOUT_MS,
        throwaway,
        stopSignal: spec.stopSignal,
      });
      await server.start();
      return { uri: spec.uri(port), what: `${spec.what}, data ${dir}`, stop: () => server.stop() };
    } catch (err) {
      if (throwaway) fs.rmSync(dir, { recursive: true, force: true });
      lastError = err;
      if (!(err instanceof ExitedDuringStartup)) break; // a timeout will not get better
    }
  }
  throw lastError;
}

/** One dev instance per data dir: two servers on one SQLite/AOF dir corrupt it. Returns the release. */
export function lockDataDir(dir: string): () => void {
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
export class PortMemo {
  constructor(private readonly file: string) {}

  async get(name: string): Promise<number> {
    const previous = this.read()[name];
    if (previous && (await portFree(previous))) return previous;
    const port = await freePort();
    // re-read: the other service may have written meanwhile
    const saved = this.read();
    saved[name] = port;
    fs.writeFileSync(this.file, `${JSON.stringify(saved, null, 2)}\n`);
    return port;
  }

  private read(): Record<string, number> {
    try {
      return JSON.parse(fs.readFileSync(this.file, 'utf8')) as Record<string, number>;
    } catch {
      return {}; // first run
    }
  }
}

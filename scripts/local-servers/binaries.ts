/**
 * Finding the server binaries (mongod, ferretdb, PostgreSQL, redis-server) and
 * their versions; each `require*` names the script that installs what is missing.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { nonEmpty } from './settings';

export function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** `override` if set, else `name` on PATH. */
export function findBinary(name: string, override?: string): string | undefined {
  if (nonEmpty(override)) return override;
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && isExecutable(path.join(dir, name))) return path.join(dir, name);
  }
  return undefined;
}

/** The first capture of `re` in `bin args`'s output, or undefined if it fails. */
export function versionOf(bin: string, args: string[], re: RegExp): string | undefined {
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

export interface Ferretdb {
  bin: string;
  /** e.g. "ferretdb v1.24.2" */
  version: string;
}

/** A working ferretdb: BOOKING_FERRETDB_BIN, PATH, Go's bin dirs, /root/go/bin. */
export function findFerretdb(env: NodeJS.ProcessEnv = process.env): Ferretdb | undefined {
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

export function requireFerretdb(env: NodeJS.ProcessEnv = process.env): Ferretdb {
  const found = findFerretdb(env);
  if (!found) {
    throw new Error(
      'no working ferretdb found (BOOKING_FERRETDB_BIN, PATH, $(go env GOPATH)/bin, /root/go/bin); ' +
        'run `bash scripts/install-ferretdb.sh`, or set MONGODB_URI',
    );
  }
  return found;
}

export function requireRedisServer(env: NodeJS.ProcessEnv = process.env): string {
  const redis = findBinary('redis-server', env.BOOKING_REDIS_SERVER_BIN);
  if (!redis) {
    throw new Error('redis-server not found on PATH; run `bash scripts/install-redis.sh`, or set REDIS_URL');
  }
  return redis;
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

/** The bin dir of the newest PostgreSQL with initdb, postgres and psql. */
export function findPostgres(env: NodeJS.ProcessEnv): string | undefined {
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

/**
 * The command lines of FerretDB and redis-server, the same for dev, the tests'
 * backing services, the outage tests' private servers and the chaos run: all
 * on 127.0.0.1, no telemetry, quiet logs.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export type FerretdbStorage = { handler: 'sqlite' } | { handler: 'postgresql'; postgresqlUrl: string };

/**
 * FerretDB's flags for a server on `port` keeping its state (and, with
 * SQLite, its databases) under `dir`; creates those directories.
 */
export function ferretdbArgs(storage: FerretdbStorage, dir: string, port: number): string[] {
  fs.mkdirSync(path.join(dir, 'state'), { recursive: true });
  let backend: string[];
  if (storage.handler === 'sqlite') {
    fs.mkdirSync(path.join(dir, 'sqlite'), { recursive: true });
    backend = ['--handler=sqlite', `--sqlite-url=file:${path.join(dir, 'sqlite')}/`];
  } else {
    backend = ['--handler=postgresql', `--postgresql-url=${storage.postgresqlUrl}`];
  }
  return [
    ...backend,
    `--state-dir=${path.join(dir, 'state')}`,
    `--listen-addr=127.0.0.1:${port}`,
    '--debug-addr=-',
    '--telemetry=disable',
    '--log-level=warn',
  ];
}

/** redis-server's flags: no RDB snapshots; an append-only file only when `persistent`. */
export function redisArgs(port: number, dir: string, persistent = false): string[] {
  return [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--daemonize',
    'no',
    '--protected-mode',
    'yes',
    '--save',
    '',
    '--appendonly',
    persistent ? 'yes' : 'no',
  ];
}

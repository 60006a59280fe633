/**
 * CPU time of the database under test, from /proc (Linux): FerretDB and, when
 * it runs on PostgreSQL, the postmaster; each with every live descendant and
 * the children it has reaped (cutime + cstime), so a PostgreSQL backend that
 * exits within a window is still counted.
 */
import * as fs from 'node:fs';

const TICK_MS = 10; // USER_HZ = 100 on Linux

interface Stat {
  ppid: number;
  /** utime + stime, ms */
  self: number;
  /** cutime + cstime (reaped children), ms */
  reaped: number;
}

function statOf(pid: number): Stat | undefined {
  try {
    const raw = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after "(comm) ": state ppid ... utime(14) stime(15) cutime(16) cstime(17), 1-based.
    const f = raw.slice(raw.lastIndexOf(')') + 2).split(' ');
    return {
      ppid: Number(f[1]),
      self: (Number(f[11]) + Number(f[12])) * TICK_MS,
      reaped: (Number(f[13]) + Number(f[14])) * TICK_MS,
    };
  } catch {
    return undefined;
  }
}

const allPids = (): number[] =>
  fs
    .readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .map(Number);

/** CPU ms of `roots` and all their descendants (live ones, and those reaped by a member of the tree). */
export function treeCpuMs(roots: readonly number[]): number {
  const stats = new Map<number, Stat>();
  for (const pid of allPids()) {
    const s = statOf(pid);
    if (s) stats.set(pid, s);
  }
  const children = new Map<number, number[]>();
  for (const [pid, s] of stats) children.set(s.ppid, [...(children.get(s.ppid) ?? []), pid]);
  let total = 0;
  const seen = new Set<number>();
  const stack = [...roots];
  while (stack.length) {
    const pid = stack.pop()!;
    if (seen.has(pid)) continue;
    seen.add(pid);
    const s = stats.get(pid);
    if (!s) continue;
    total += s.self + s.reaped;
    stack.push(...(children.get(pid) ?? []));
  }
  return total;
}

/** The pid of the process listening on 127.0.0.1/0.0.0.0/[::] `port` (TCP), from /proc/net/tcp{,6}. */
export function pidListeningOn(port: number): number | undefined {
  const inodes = new Set<string>();
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = fs.readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10) continue;
      if (cols[3] === '0A' && cols[1]!.endsWith(`:${hexPort}`)) inodes.add(cols[9]!);
    }
  }
  if (inodes.size === 0) return undefined;
  for (const pid of allPids()) {
    let fds: string[];
    try {
      fds = fs.readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const link = fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
        const m = /^socket:\[(\d+)\]$/.exec(link);
        if (m && inodes.has(m[1]!)) return pid;
      } catch {
        // closed meanwhile
      }
    }
  }
  return undefined;
}

/** The PostgreSQL URL a FerretDB process was started with (flag or environment), if any. */
export function postgresUrlOf(ferretdbPid: number): string | undefined {
  const read = (file: string): string[] => {
    try {
      return fs.readFileSync(file, 'utf8').split('\0');
    } catch {
      return [];
    }
  };
  for (const arg of read(`/proc/${ferretdbPid}/cmdline`)) {
    const m = /^--postgresql-url=(.+)$/.exec(arg);
    if (m) return m[1];
  }
  for (const kv of read(`/proc/${ferretdbPid}/environ`)) {
    const m = /^FERRETDB_POSTGRESQL_URL=(.+)$/.exec(kv);
    if (m) return m[1];
  }
  return undefined;
}

export interface DatabaseProcesses {
  /** Root pids whose trees are counted, by role. */
  roots: Record<string, number>;
  /** What could not be found (e.g. the postmaster of a PostgreSQL URL). */
  missing: string[];
}

/**
 * The database's processes for a MongoDB URI on 127.0.0.1: the process
 * listening on its port (FerretDB or mongod) and, for FerretDB on PostgreSQL,
 * the postmaster listening on the URL's port (its backends are its children).
 */
export function databaseProcesses(mongoUri: string): DatabaseProcesses {
  const roots: Record<string, number> = {};
  const missing: string[] = [];
  const port = Number(new URL(mongoUri).port || 27017);
  const front = pidListeningOn(port);
  if (front === undefined) {
    missing.push(`a process listening on ${port}`);
    return { roots, missing };
  }
  roots.ferretdb = front;
  const pg = postgresUrlOf(front);
  if (pg) {
    let pgPort = 5432;
    try {
      pgPort = Number(new URL(pg).port || 5432);
    } catch {
      // keep the default
    }
    const postmaster = pidListeningOn(pgPort);
    if (postmaster !== undefined) roots.postgres = postmaster;
    else missing.push(`postgres listening on ${pgPort} (from ${pg.replace(/:[^:@/]*@/, ':***@')})`);
  }
  return { roots, missing };
}

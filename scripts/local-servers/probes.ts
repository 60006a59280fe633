/**
 * Small process and network helpers of the local servers, also used by the
 * tests, the chaos runner and the benchmark: free ports, readiness probes for
 * MongoDB-wire servers and Redis, replica-set initiation, polling, log tails.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';

/** A TCP port that was free on 127.0.0.1 a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (addr && typeof addr === 'object' ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** Whether `port` can be listened on at 127.0.0.1 now. */
export function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** Whether a MongoDB-wire server answers `ping` at `uri` (the driver mongoose ships, loaded on first use). */
export async function mongoPing(uri: string): Promise<boolean> {
  const mongoose = await import('mongoose');
  const client = new (mongoose.default ?? mongoose).mongo.MongoClient(uri, {
    serverSelectionTimeoutMS: 1_000,
    connectTimeoutMS: 1_000,
    directConnection: true,
  });
  try {
    await client.db('admin').command({ ping: 1 });
    return true;
  } catch {
    return false;
  } finally {
    await client.close(true).catch(() => undefined);
  }
}

/** Whether Redis answers PING with +PONG (not -LOADING while it replays its AOF). */
export function redisPing(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    let buf = '';
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      if (buf.includes('\r\n')) done(buf.startsWith('+PONG'));
    });
  });
}

/** Polls `check` every `everyMs` until it is true; throws after `timeoutMs`. */
export async function waitUntil(
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
  what: string,
  everyMs = 100,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`${what} not ready after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** The last `lines` lines of a file ('' if unreadable). */
export function tailOf(file: string, lines = 20): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

export const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** Whether a process with this pid exists (possibly another user's). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** Makes a single-node replica set `rs0` of the mongod at `directUri` (again: a no-op) and waits for its primary. */
export async function initiateReplicaSet(
  directUri: string,
  memberHost: string,
  timeoutMs = 60_000,
): Promise<void> {
  const mongoose = await import('mongoose');
  const { MongoClient } = (mongoose.default ?? mongoose).mongo;
  const client = new MongoClient(directUri, { serverSelectionTimeoutMS: 20_000, directConnection: true });
  try {
    const admin = client.db('admin');
    try {
      await admin.command({ replSetInitiate: { _id: 'rs0', members: [{ _id: 0, host: memberHost }] } });
    } catch (err) {
      // 23 = AlreadyInitialized
      if ((err as { code?: number }).code !== 23) throw err;
    }
    await waitUntil(
      async () => (await admin.command({ hello: 1 })).isWritablePrimary === true,
      timeoutMs,
      'replica set primary',
    );
  } finally {
    await client.close(true).catch(() => {});
  }
}

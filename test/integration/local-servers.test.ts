/**
 * The one supervisor of scripts/local-servers, on a real redis-server:
 *  - kill() is a crash (the data stays), start() comes back on the same port
 *    and data, the pid file names the server itself, signal() reaches it;
 *  - stop() is graceful and removes a throwaway dir;
 *  - a server that exits during start-up fails with ExitedDuringStartup and
 *    the tail of its log;
 *  - when the owner process is SIGKILLed, the supervisor stops the server and
 *    removes its throwaway dir.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  ExitedDuringStartup,
  freePort,
  LocalServer,
  portFree,
  redisArgs,
  redisPing,
  requireRedisServer,
  waitUntil,
} from '../../scripts/local-servers';
import { withOwner } from '../support/owner';

async function throwawayRedis(extraArgs: string[] = []): Promise<LocalServer> {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'booking-test-local-server-'));
  return new LocalServer({
    name: 'redis-server',
    port,
    dir,
    command: requireRedisServer(),
    args: [...redisArgs(port, dir), ...extraArgs],
    ready: () => redisPing(port),
    readyTimeoutMs: 20_000,
    throwaway: true,
  });
}

const pidOf = (server: LocalServer): number =>
  Number(fs.readFileSync(path.join(server.dir, 'server.pid'), 'utf8').trim());

describe('LocalServer', () => {
  const started: LocalServer[] = [];
  afterAll(async () => {
    for (const s of started) {
      await s.kill();
      fs.rmSync(s.dir, { recursive: true, force: true });
    }
  });

  it('survives a crash: kill() keeps the data, start() comes back on the same port', async () => {
    const server = await throwawayRedis();
    started.push(server);
    await server.start();
    const firstPid = pidOf(server);
    expect(server.pid).toBe(firstPid);
    expect(fs.readFileSync(`/proc/${firstPid}/cmdline`, 'utf8')).toContain('redis-server');
    fs.writeFileSync(path.join(server.dir, 'marker'), 'kept');

    await server.kill();
    expect(server.running).toBe(false);
    expect(await redisPing(server.port)).toBe(false);
    expect(await portFree(server.port)).toBe(true);
    expect(fs.readFileSync(path.join(server.dir, 'marker'), 'utf8')).toBe('kept');

    await server.start();
    expect(await redisPing(server.port)).toBe(true);
    expect(pidOf(server)).not.toBe(firstPid);

    server.signal('SIGTERM'); // to the server itself: it exits, and so does its supervisor
    await waitUntil(() => !server.running, 10_000, 'redis-server exit after SIGTERM');
  });

  it('stops gracefully and removes its throwaway dir', async () => {
    const server = await throwawayRedis();
    started.push(server);
    await server.start();
    await server.stop();
    expect(await redisPing(server.port)).toBe(false);
    expect(fs.existsSync(server.dir)).toBe(false);
  });

  it('fails a start whose process exits with ExitedDuringStartup and its log', async () => {
    const server = await throwawayRedis(['--no-such-option', 'x']);
    started.push(server);
    const err: unknown = await server.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ExitedDuringStartup);
    expect(String((err as Error).message)).toMatch(/exited during start-up[\s\S]*no-such-option/i);
    expect(server.running).toBe(false);
  });
});

describe('a LocalServer whose owner is SIGKILLed', () => {
  it('is stopped by its supervisor, its throwaway dir removed', async () => {
    await withOwner<{ port: number; dir: string }, void>('redis', process.env, async (owner) => {
      const { port, dir } = owner.started;
      expect(await redisPing(port)).toBe(true);
      await owner.sigkill();
      await waitUntil(async () => !(await redisPing(port)) && !fs.existsSync(dir), 20_000, 'server gone');
    });
  }, 90_000);
});

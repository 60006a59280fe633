/**
 * An owner process for tests of what happens to local servers when their owner
 * dies: it starts them, prints one JSON line saying what runs where, and then
 * idles until killed. `backing` (the default): obtainBackingServices as its
 * environment says, printing {mongoUri, describe}; `redis`: one throwaway
 * LocalServer redis-server, printing {port, dir}.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  freePort,
  LocalServer,
  obtainBackingServices,
  redisArgs,
  redisPing,
  requireRedisServer,
} from '../../scripts/local-servers';

async function startRedis(): Promise<{ port: number; dir: string }> {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'booking-test-owner-'));
  const server = new LocalServer({
    name: 'redis-server',
    port,
    dir,
    command: requireRedisServer(),
    args: redisArgs(port, dir),
    ready: () => redisPing(port),
    throwaway: true,
  });
  await server.start();
  return { port, dir };
}

async function startBacking(): Promise<{ mongoUri: string; describe: string }> {
  const backing = await obtainBackingServices({ log: () => undefined });
  return { mongoUri: backing.mongoUri, describe: backing.describe };
}

(process.argv[2] === 'redis' ? startRedis() : startBacking()).then(
  (started) => {
    process.stdout.write(`${JSON.stringify(started)}\n`);
    setInterval(() => undefined, 1 << 30);
  },
  (err: unknown) => {
    process.stderr.write(`${String(err)}\n`);
    process.exit(1);
  },
);

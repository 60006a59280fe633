import { Redis } from 'ioredis';

export interface RedisOptions {
  url: string;
  /** A command that gets no answer within this time fails (a hung Redis is a down Redis). */
  commandTimeoutMs: number;
}

/**
 * A Redis client that fails fast: no offline queue, so while the connection
 * is down commands are refused at once instead of piling up; ioredis keeps
 * reconnecting in the background.
 */
export function connectRedis(opts: RedisOptions, onError: (err: Error) => void): Redis {
  const client = new Redis(opts.url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: opts.commandTimeoutMs,
    connectTimeout: 2_000,
    lazyConnect: false,
    retryStrategy: (attempt) => Math.min(50 * attempt, 1_000),
  });
  client.on('error', onError);
  return client;
}

/** Resolves once the client is ready, or rejects after `timeoutMs`. */
export async function waitForRedis(client: Redis, timeoutMs: number): Promise<void> {
  if (client.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`Redis not ready after ${timeoutMs} ms`));
    }, timeoutMs);
    const onReady = (): void => {
      cleanup();
      resolve();
    };
    const cleanup = (): void => {
      clearTimeout(timer);
      client.off('ready', onReady);
    };
    client.on('ready', onReady);
  });
}

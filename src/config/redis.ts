import { z } from 'zod';
import { int, required, type Parsed } from './variables';

export const redisVariables = {
  REDIS_URL: z
    .string(required('redis://127.0.0.1:6379'))
    .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL'),
  REDIS_COMMAND_TIMEOUT_MS: int(10, 60_000).default(500),
  /** Independent Redis nodes for the Redlock quorum, comma-separated; default: REDIS_URL alone. */
  REDIS_LOCK_URLS: z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((u) => u.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.string().regex(/^rediss?:\/\//, 'each must be a redis:// or rediss:// URL')).min(1))
    .optional(),
};

export interface RedisConfig {
  url: string;
  commandTimeoutMs: number;
  lockUrls: string[];
}

export function redisConfig(c: Parsed<typeof redisVariables>): RedisConfig {
  return {
    url: c.REDIS_URL,
    commandTimeoutMs: c.REDIS_COMMAND_TIMEOUT_MS,
    lockUrls: c.REDIS_LOCK_URLS ?? [c.REDIS_URL],
  };
}

/** Whether ioredis gave up on a command because Redis cannot be reached (retry later). */
export const isRedisOutage = (err: unknown): boolean =>
  err instanceof Error && err.name === 'MaxRetriesPerRequestError';

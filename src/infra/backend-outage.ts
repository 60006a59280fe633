import { isDatabaseOutage } from './mongo/database-errors';
import { isRedisOutage } from './redis/redis-errors';

/**
 * Whether an error means a backing service (the database, Redis) cannot
 * serve right now, as opposed to a bug: the one classification of driver
 * errors, which the transport maps to UNAVAILABLE.
 */
export const isBackendOutage = (err: unknown): boolean => isDatabaseOutage(err) || isRedisOutage(err);

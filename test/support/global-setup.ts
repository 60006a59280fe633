/**
 * Jest globalSetup for the integration project: obtains MongoDB-wire + Redis once
 * per run and hands them to test workers through MONGODB_URI / REDIS_URL
 * (workers inherit process.env). Tests derive their own database names.
 */
import { obtainBackingServices, type BackingServices } from '../../scripts/local-servers';

export const BACKING_GLOBAL = '__bookingBackingServices';

export default async function globalSetup(): Promise<void> {
  const backing = await obtainBackingServices();
  process.env.MONGODB_URI = backing.mongoUri;
  process.env.REDIS_URL = backing.redisUrl;
  process.env.BOOKING_BACKING_DESCRIBE = backing.describe;
  (globalThis as Record<string, unknown>)[BACKING_GLOBAL] = backing satisfies BackingServices;
}

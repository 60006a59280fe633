/** Jest globalTeardown for the integration project: stops what globalSetup started. */
import type { BackingServices } from '../../scripts/local-servers';
import { BACKING_GLOBAL } from './global-setup';

export default async function globalTeardown(): Promise<void> {
  const slot = globalThis as Record<string, unknown>;
  const backing = slot[BACKING_GLOBAL] as BackingServices | undefined;
  delete slot[BACKING_GLOBAL];
  await backing?.stop();
}

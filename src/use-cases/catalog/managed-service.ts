import type { Principal } from '../../domain/principal';
import { requireServiceManager } from '../../domain/provider-scope';
import type { ServiceRecord } from '../../domain/types';
import type { Clock, ServiceRepository, SlotEvents, SlotRepository } from '../ports';
import { existingService } from '../shared/existing-service';
import type { SlotAvailability } from './slot-availability';

/** What the catalog's use cases are built from; each takes the part it uses. */
export interface CatalogDeps {
  /** As stored: `services.stored` of the cache, which drops what it updates. */
  services: ServiceRepository;
  slots: SlotRepository;
  events: SlotEvents;
  availability: SlotAvailability;
  clock: Clock;
}

/** What the use cases that change a service need. */
export type ServiceChangeDeps = Pick<CatalogDeps, 'services' | 'availability' | 'clock'>;

/** The service `actor` is about to change, as stored: NOT_FOUND, or NOT_SERVICE_OWNER unless it manages it. */
export async function managedService(
  services: Pick<ServiceRepository, 'findById'>,
  actor: Principal,
  serviceId: string,
): Promise<ServiceRecord> {
  const service = await existingService(services, serviceId);
  requireServiceManager(actor, service);
  return service;
}

import { serviceNotFound } from '../../domain/errors';
import type { Principal } from '../../domain/principal';
import { requireServiceManager } from '../../domain/provider-scope';
import type { ServiceRecord } from '../../domain/types';
import type { Clock, ServiceRepository } from '../ports';
import type { SlotAvailability } from './slot-availability';

/** What the use cases that change a service need. */
export interface ServiceChangeDeps {
  /** As stored: `services.stored` of the cache, which drops what it updates. */
  services: ServiceRepository;
  availability: SlotAvailability;
  clock: Clock;
}

/** The service `actor` is about to change, as stored: NOT_FOUND, or NOT_SERVICE_OWNER unless it manages it. */
export async function managedService(
  services: Pick<ServiceRepository, 'findById'>,
  actor: Principal,
  serviceId: string,
): Promise<ServiceRecord> {
  const service = await services.findById(serviceId);
  if (!service) throw serviceNotFound(serviceId);
  requireServiceManager(actor, service);
  return service;
}

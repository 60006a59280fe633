import { serviceNotFound } from '../../domain/errors';
import type { ServiceRecord } from '../../domain/types';
import type { ServiceRepository } from '../ports';

/** The service, whatever its state; NOT_FOUND when there is none. */
export async function existingService(
  services: Pick<ServiceRepository, 'findById'>,
  serviceId: string,
): Promise<ServiceRecord> {
  const service = await services.findById(serviceId);
  if (!service) throw serviceNotFound(serviceId);
  return service;
}

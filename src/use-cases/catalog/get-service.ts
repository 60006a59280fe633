import { serviceNotFound } from '../../domain/errors';
import type { ServiceRecord } from '../../domain/types';
import type { ServiceRepository } from '../ports';

/** The service as stored; NOT_FOUND when there is none. */
export async function storedService(
  services: Pick<ServiceRepository, 'findById'>,
  serviceId: string,
): Promise<ServiceRecord> {
  const service = await services.findById(serviceId);
  if (!service) throw serviceNotFound(serviceId);
  return service;
}

/** GetService: a service as stored (archived ones too). */
export class GetService {
  constructor(private readonly deps: { services: Pick<ServiceRepository, 'findById'> }) {}

  run(serviceId: string): Promise<ServiceRecord> {
    return storedService(this.deps.services, serviceId);
  }
}

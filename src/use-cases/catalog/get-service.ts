import type { ServiceRecord } from '../../domain/types';
import { existingService } from '../shared/existing-service';
import type { CatalogDeps } from './managed-service';

/** GetService: a service as stored (archived ones too). */
export class GetService {
  constructor(private readonly deps: Pick<CatalogDeps, 'services'>) {}

  run(serviceId: string): Promise<ServiceRecord> {
    return existingService(this.deps.services, serviceId);
  }
}

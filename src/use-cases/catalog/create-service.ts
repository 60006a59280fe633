import type { Principal } from '../../domain/principal';
import { ownerOfNewService } from '../../domain/provider-scope';
import type { ServiceDefinition, ServiceRecord } from '../../domain/types';
import type { CatalogDeps } from './managed-service';

/** CreateService: the platform admin creates a service for anyone; a provider, for itself (provider-scope.ts). */
export class CreateService {
  constructor(private readonly deps: Pick<CatalogDeps, 'services' | 'clock'>) {}

  /** `providerId`: the owner asked for (null: none named; a provider then owns what it creates). */
  run(actor: Principal, def: ServiceDefinition, providerId: string | null): Promise<ServiceRecord> {
    return this.deps.services.create(
      { ...def, providerId: ownerOfNewService(actor, providerId) },
      this.deps.clock(),
    );
  }
}

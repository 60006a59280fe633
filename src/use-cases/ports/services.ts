import type { ServiceDefinition, ServiceRecord } from '../../domain/types';

/** The fields of a service an update writes: all of them, as decided on one revision. */
export type ServiceFields = ServiceDefinition & { providerId: string | null; deletedAt: Date | null };

/** An update of a service, decided on the service as read at `revision`. */
export interface ServiceChange {
  id: string;
  /** The revision it was decided on: it applies only if no other update of that revision came first. */
  revision: number;
  set: ServiceFields;
  now: Date;
  /** Who made it, and the fields it named: kept with the change. */
  by: string;
  paths: readonly string[];
}

export interface ServiceRepository {
  create(def: ServiceDefinition & { providerId: string | null }, now: Date): Promise<ServiceRecord>;
  findById(id: string): Promise<ServiceRecord | null>;
  findByIds(ids: readonly string[]): Promise<ServiceRecord[]>;
  /** Ordered by id (creation order); archived services only with `showDeleted`. */
  list(opts: {
    activeOnly: boolean;
    showDeleted: boolean;
    after: string | null;
    limit: number;
  }): Promise<ServiceRecord[]>;
  /**
   * Writes `change` as the service's next revision: the service as written,
   * or null when another update of the same revision came first (whatever
   * the backend's conditional updates do: see MongoServiceRepository.update).
   */
  update(change: ServiceChange): Promise<ServiceRecord | null>;
}

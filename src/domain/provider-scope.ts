import { DomainError } from './errors';
import type { Principal } from './principal';

/**
 * Which services a caller manages. The platform `admin` manages every
 * service; a `provider` only those it owns (`providerId` is its token's
 * subject). A service without a provider belongs to the platform.
 */
export const isPlatformAdmin = (p: Principal): boolean => p.roles.has('admin');

const notServiceOwner = (message: string, metadata: Record<string, string>): DomainError =>
  new DomainError('NOT_SERVICE_OWNER', message, metadata);

/**
 * The owner of a service `p` creates, given the `provider_id` it asked for
 * (null: none named). A provider creates only its own services; a platform
 * admin names any provider, or none (the platform's own).
 */
export function ownerOfNewService(p: Principal, requested: string | null): string | null {
  if (isPlatformAdmin(p)) return requested;
  if (requested === null || requested === p.subject) return p.subject;
  throw notServiceOwner('a provider can only create services of its own', { providerId: requested });
}

/** Refuses (NOT_SERVICE_OWNER) unless `p` manages `service`. */
export function requireServiceManager(
  p: Principal,
  service: { id: string; providerId: string | null },
): void {
  if (isPlatformAdmin(p)) return;
  if (p.roles.has('provider') && service.providerId !== null && service.providerId === p.subject) return;
  throw notServiceOwner(
    `service ${service.id} belongs to ${service.providerId === null ? 'the platform' : 'another provider'}`,
    { serviceId: service.id },
  );
}

/** Refuses a change of a service's owner unless `p` is the platform admin. */
export function requireOwnerChange(p: Principal, serviceId: string): void {
  if (!isPlatformAdmin(p)) {
    throw notServiceOwner('only a platform admin can give a service to another provider', { serviceId });
  }
}

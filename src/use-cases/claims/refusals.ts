/** The refusals of taking a slot, and the checks that decide them. */
import { DomainError, serviceArchived, slotNotFound } from '../../domain/errors';
import { effectiveSlot, type ClaimRecord, type ServiceRecord, type SlotRecord } from '../../domain/types';
import type { ServiceRepository, SlotGate, SlotOwner, SlotRepository } from '../ports';
import { existingService } from '../shared/existing-service';

/** Who a slot projection should point at for an active claim. */
export const ownerOf = (claim: ClaimRecord): SlotOwner =>
  claim.status === 'HELD'
    ? { kind: 'hold', id: claim.id, expiresAt: claim.expiresAt! }
    : { kind: 'appointment', id: claim.id };

export const serviceInactive = (serviceId: string): DomainError =>
  new DomainError('SERVICE_INACTIVE', `service ${serviceId} is not taking bookings`, { serviceId });

/** Why a service takes no bookings (archived, or inactive); null when it does. */
const refusalOf = (service: ServiceRecord): DomainError | null =>
  service.deletedAt !== null
    ? serviceArchived(service.id)
    : !service.active
      ? serviceInactive(service.id)
      : null;

/** The service, if it exists and takes bookings; NOT_FOUND, SERVICE_ARCHIVED or SERVICE_INACTIVE otherwise. */
export async function activeService(
  services: Pick<ServiceRepository, 'findById'>,
  serviceId: string,
): Promise<ServiceRecord> {
  const service = await existingService(services, serviceId);
  const refusal = refusalOf(service);
  if (refusal) throw refusal;
  return service;
}

export const slotFull = (slotId: string): DomainError =>
  new DomainError('SLOT_FULL', `slot ${slotId} has no place left`, { slotId, placesLeft: '0' });

export const slotUnavailable = (slotId: string, status?: string): DomainError =>
  new DomainError(
    'SLOT_UNAVAILABLE',
    status ? `slot ${slotId} is ${status.toLowerCase()}` : `slot ${slotId} is no longer available`,
    status ? { slotId, status } : { slotId },
  );

/**
 * Explains a failed claim: unknown slot, another service's, past, or taken;
 * or, for a slot of several places that takes bookings, returns it (its
 * ledger decides). PARTY_TOO_LARGE for a party larger than the slot.
 */
export async function whyNotClaimed(
  deps: {
    slots: Pick<SlotRepository, 'findById'>;
    services: Pick<ServiceRepository, 'findById'>;
    gate: Pick<SlotGate, 'markTaken'>;
  },
  opts: {
    slotId: string;
    serviceId: string | null;
    now: Date;
    onServiceMismatch?: () => DomainError;
    party: number;
  },
): Promise<DomainError | SlotRecord> {
  const { slotId, serviceId, now, party } = opts;
  const stored = await deps.slots.findById(slotId);
  if (!stored) return slotNotFound(slotId);
  if (serviceId !== null && stored.serviceId !== serviceId) {
    return opts.onServiceMismatch ? opts.onServiceMismatch() : slotNotFound(slotId);
  }
  const slot = effectiveSlot(stored, now);
  if (slot.startTime.getTime() <= now.getTime()) {
    return new DomainError('SLOT_IN_PAST', `slot ${slotId} has already started`, { slotId });
  }
  if (party > slot.capacity) {
    return new DomainError(
      'PARTY_TOO_LARGE',
      `slot ${slotId} has ${slot.capacity} place(s) in all, fewer than the ${party} asked for`,
      { slotId, capacity: String(slot.capacity) },
    );
  }
  if (slot.capacity > 1 && slot.status !== 'LOCKED') return slot;
  if (slot.status === 'LOCKED' && slot.holdId === null) {
    const service = await deps.services.findById(slot.serviceId);
    const refusal = service ? refusalOf(service) : null;
    if (refusal) return refusal;
  }
  // The next attempts learn it from Redis, not from the database.
  if (slot.status === 'BOOKED' && slot.appointmentId) deps.gate.markTaken(slotId, slot.appointmentId);
  return slotUnavailable(slotId, slot.status);
}

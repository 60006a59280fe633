import type { ClaimCore } from '../claims/claim-core';
import type { Idempotency } from '../shared/idempotency';
import type { ClaimRepository, Clock, ServiceRepository, SlotRepository } from '../ports';

/** What the use cases that take, change or give back claims share (booking, holds, rescheduling). */
export interface ClaimUseCaseDeps {
  /** Read through the service cache: a booking's check and a reply's fill-in. */
  services: Pick<ServiceRepository, 'findById'>;
  slots: Pick<SlotRepository, 'findById'>;
  claims: ClaimRepository;
  core: ClaimCore;
  idempotency: Idempotency;
  clock: Clock;
  /** A new record id, for a request without request_id. */
  newId: () => string;
}

/**
 * What the fast tier's tests start from: a fake world with one service and a
 * day of slots (2030-06-10, 09:00-17:00 UTC, 30 minutes each: 16 slots), the
 * clock standing days before them.
 */
import { DomainError, type DomainReason } from '../../src/domain/errors';
import type { Principal } from '../../src/domain/principal';
import type { ServiceDefinition, ServiceRecord, SlotRecord } from '../../src/domain/types';
import { parseHoldToken, type HoldToken } from '../../src/use-cases/shared/hold-token';
import { fakeWorld, useCases, type FakeWorld, type UseCases, type UseCaseSettings } from '../support/fakes';

export const ADMIN: Principal = { subject: 'platform', roles: new Set(['admin']) };
export const SLOT_DAY = { year: 2030, month: 6, day: 10 };

export const definition = (overrides: Partial<ServiceDefinition> = {}): ServiceDefinition => ({
  name: 'Dr. Example',
  description: 'General practice',
  address: '1 Main Street',
  price: { amountMinor: 4500, currencyCode: 'EUR' },
  timeZone: 'UTC',
  openingMinute: 9 * 60,
  closingMinute: 17 * 60,
  slotDurationMinutes: 30,
  active: true,
  capacity: 1,
  ...overrides,
});

export interface Given {
  world: FakeWorld;
  uc: UseCases;
  service: ServiceRecord;
  slotIds: string[];
  /** A slot as stored now. */
  slot(id: string): Promise<SlotRecord>;
}

export async function serviceWithSlots(
  def: Partial<ServiceDefinition> = {},
  settings: Partial<UseCaseSettings> = {},
): Promise<Given> {
  const world = fakeWorld();
  const uc = useCases(world, { settings });
  const service = await uc.createService(ADMIN, definition(def), null);
  const slotIds = await generatedSlots(uc, service.id);
  const slot = async (id: string): Promise<SlotRecord> => (await world.slots.findById(id))!;
  return { world, uc, service, slotIds, slot };
}

/** Generates the service's slots of SLOT_DAY; their ids, in start order. */
export async function generatedSlots(uc: UseCases, serviceId: string): Promise<string[]> {
  await uc.generateSlots(ADMIN, { serviceId, startDate: SLOT_DAY, endDate: SLOT_DAY });
  const page = await uc.listSlots({
    serviceId,
    from: null,
    to: null,
    status: null,
    pageSize: 100,
    pageToken: '',
  });
  return page.items.map((s) => s.id);
}

/** BookSlot as a handler calls it, with the request's defaults. */
export const booking = (
  slotId: string,
  userId: string,
  more: { requestId?: string; party?: number; hold?: HoldToken | null; serviceId?: string | null } = {},
): Parameters<UseCases['bookSlot']>[0] => ({
  slotId,
  userId,
  serviceId: more.serviceId ?? null,
  hold: more.hold ?? null,
  requestId: more.requestId ?? '',
  party: more.party ?? 1,
});

export const token = (text: string): HoldToken => parseHoldToken(text)!;

/** The domain error a promise was refused with (fails the test if it was not). */
export async function refusal(promise: Promise<unknown>): Promise<DomainError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof DomainError)) throw new Error(`expected a DomainError, got ${String(err)}`);
  return err;
}

/** Asserts the refusal's reason (and metadata, where given), as the integration tests read ErrorInfo. */
export async function expectRefused(
  promise: Promise<unknown>,
  reason: DomainReason,
  metadata: Record<string, string> = {},
): Promise<DomainError> {
  const err = await refusal(promise);
  expect({ reason: err.reason, metadata: err.metadata }).toMatchObject({ reason, metadata });
  return err;
}

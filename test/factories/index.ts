import { Types } from 'mongoose';
import type { Service, Slot, SlotStatus } from '../../src/gen/booking/v1/resources';
import { newClaimDoc } from '../../src/infra/mongo/claim-docs';
import type { ClaimDoc, SlotDoc } from '../../src/infra/mongo/models';
import { newClaim } from '../../src/use-cases/claims/new-claim';
import type { Rpc } from '../support/harness';

let counter = 0;

/** A valid service definition; override any field. */
export function serviceInput(overrides: Partial<Service> = {}): Service {
  counter += 1;
  return {
    id: '',
    name: `Dr. Example ${counter}`,
    description: 'General practice',
    address: '1 Main Street',
    price: { amountMinor: 4500, currencyCode: 'EUR' },
    timeZone: 'Europe/Berlin',
    openingTime: { hours: 9, minutes: 0, seconds: 0, nanos: 0 },
    closingTime: { hours: 17, minutes: 0, seconds: 0, nanos: 0 },
    slotDurationMinutes: 30,
    active: true,
    createTime: undefined,
    updateTime: undefined,
    providerId: '',
    deleteTime: undefined,
    etag: '',
    capacity: 0,
    ...overrides,
  };
}

export async function createService(api: Rpc, overrides: Partial<Service> = {}): Promise<Service> {
  const res = await api.createService({ service: serviceInput(overrides) });
  return res.service!;
}

/** A local date `days` days from today, safely in the future for bookings. */
export function futureDate(days = 30): { year: number; month: number; day: number } {
  const d = new Date(Date.now() + days * 86_400_000);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/**
 * A service with one day of future slots; returns the service and its slots
 * (9:00-17:00 in 30-minute slots by default: 16 slots).
 */
export async function serviceWithSlots(
  api: Rpc,
  overrides: Partial<Service> = {},
  daysAhead = 30,
): Promise<{ service: Service; slotIds: string[] }> {
  const service = await createService(api, overrides);
  const date = futureDate(daysAhead);
  await api.generateSlots({ serviceId: service.id, startDate: date, endDate: date });
  const { slots } = await api.listSlots({
    serviceId: service.id,
    startTime: undefined,
    endTime: undefined,
    status: 0,
    pageSize: 500,
    pageToken: '',
  });
  return { service, slotIds: slots.map((s) => s.id) };
}

/** A google.type.Date. */
export const localDate = (
  year: number,
  month: number,
  day: number,
): { year: number; month: number; day: number } => ({
  year,
  month,
  day,
});

/** A google.type.TimeOfDay with whole minutes. */
export const timeOfDay = (
  hours: number,
  minutes = 0,
): { hours: number; minutes: number; seconds: number; nanos: number } => ({
  hours,
  minutes,
  seconds: 0,
  nanos: 0,
});

/** Every slot of a service (optionally filtered), following page tokens. */
export async function listAllSlots(
  api: Pick<Rpc, 'listSlots'>,
  serviceId: string,
  filter: { status?: SlotStatus; pageSize?: number } = {},
): Promise<Slot[]> {
  const all: Slot[] = [];
  let pageToken = '';
  do {
    const res = await api.listSlots({
      serviceId,
      status: filter.status,
      pageSize: filter.pageSize ?? 500,
      pageToken,
    });
    all.push(...res.slots);
    pageToken = res.nextPageToken;
  } while (pageToken !== '');
  return all;
}

/**
 * A raw claim document (collection `appointments`: a hold or an appointment)
 * on `slot`, shaped as the service stores it, for crafting the state a crashed
 * request leaves behind. Active claims (HELD, CONFIRMED) take the slot's
 * `slotClaim`; others get `~<own id>`. `updatedAt` defaults to a second ago.
 */
export function claimDocument(
  slot: Pick<SlotDoc, '_id' | 'serviceId' | 'startTime' | 'endTime'>,
  overrides: Partial<ClaimDoc> = {},
): ClaimDoc {
  const id = overrides._id ?? new Types.ObjectId();
  const status = overrides.status ?? 'CONFIRMED';
  const at = new Date(Date.now() - 1_000);
  const claim = newClaim({
    id: id.toHexString(),
    userId: 'crafted-user',
    slot: {
      id: slot._id.toHexString(),
      serviceId: slot.serviceId.toHexString(),
      startTime: slot.startTime,
      endTime: slot.endTime,
    },
    status: 'CONFIRMED',
    now: at,
  });
  // Stored as the service stores a new claim, with its query fields (src/infra/mongo/claim-docs.ts).
  const doc = newClaimDoc({
    ...claim,
    status,
    createdAt: overrides.createdAt ?? at,
    updatedAt: overrides.updatedAt ?? at,
    cancelledAt: status === 'CANCELLED' ? at : null,
  });
  return { ...doc, ...overrides };
}

/** GenerateSlots, ListSlots and SetSlotStatus; the time window ListSlots and WatchSlotAvailability share. */
import { z } from 'zod';
import { daysInRange } from '../../domain/slot-plan';
import type { LocalDate } from '../../domain/types';
import { Violations } from '../../domain/validation';
import type {
  GenerateSlotsRequest,
  ListSlotsRequest,
  SetSlotStatusRequest,
} from '../../gen/booking/v1/booking_service';
import type { ListSlotsQuery } from '../../use-cases/catalog/list-slots';
import { slotStatusFromPb } from '../codec';
import { enumValue, localDate, objectId, pageSize, timestamp } from './fields';
import { parseFields, parseRequest, settled } from './violations';

export const MAX_GENERATION_DAYS = 366;

const GenerateSlots = z.object({ serviceId: objectId, startDate: localDate, endDate: localDate });

export function parseGenerateSlots(req: GenerateSlotsRequest): {
  serviceId: string;
  startDate: LocalDate;
  endDate: LocalDate;
} {
  const v = new Violations();
  const { serviceId, startDate, endDate } = parseFields(v, GenerateSlots, req);
  if (startDate && endDate) {
    const days = daysInRange(startDate, endDate);
    if (days < 1) v.add('end_date', 'must not be before start_date');
    else if (days > MAX_GENERATION_DAYS)
      v.add('end_date', `must be at most ${MAX_GENERATION_DAYS} days after start_date`);
  }
  v.throwIfAny();
  return { serviceId: serviceId!, startDate: startDate!, endDate: endDate! };
}

/** A service's slots between two optional instants. */
const SlotWindow = z.object({ serviceId: objectId, startTime: timestamp, endTime: timestamp });

/** The window's fields, then its one cross-field rule: an end, when both are given, after the start. */
export function parseSlotWindow(
  v: Violations,
  req: z.input<typeof SlotWindow>,
): { serviceId: string | null; from: Date | null; to: Date | null } {
  const { serviceId, startTime: from, endTime: to } = parseFields(v, SlotWindow, req);
  if (from && to) v.check(from.getTime() < to.getTime(), 'end_time', 'must be after start_time');
  return { serviceId, from, to };
}

const SlotFilter = z.object({
  status: enumValue(slotStatusFromPb, 'is not a known slot status'),
  pageSize: pageSize({ default: 100, max: 500 }),
  pageToken: z.string(),
});

export function parseListSlots(req: ListSlotsRequest): ListSlotsQuery {
  const v = new Violations();
  const { serviceId, from, to } = parseSlotWindow(v, req);
  const filter = settled(v, parseFields(v, SlotFilter, req));
  return { serviceId: serviceId!, from, to, ...filter };
}

/** The statuses an operator sets; BOOKED follows from bookings only. */
const settable = (value: number): 'AVAILABLE' | 'LOCKED' | undefined => {
  const status = slotStatusFromPb(value);
  return status === 'AVAILABLE' || status === 'LOCKED' ? status : undefined;
};

const SetSlotStatus = z.object({
  slotId: objectId,
  status: enumValue(settable, 'must be SLOT_STATUS_AVAILABLE or SLOT_STATUS_LOCKED'),
});

export function parseSetSlotStatus(req: SetSlotStatusRequest): {
  slotId: string;
  status: 'AVAILABLE' | 'LOCKED';
} {
  return parseRequest(SetSlotStatus, req);
}

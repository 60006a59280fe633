/**
 * Wire requests to validated commands. Every invalid field is collected and
 * reported at once (INVALID_ARGUMENT with a BadRequest), before anything is
 * read or written.
 */
import { invalidArgument } from '../domain/errors';
import { checkServiceDefinition } from '../domain/service-rules';
import { daysInRange, isValidLocalDate } from '../domain/slot-plan';
import type {
  AppointmentStatus,
  LocalDate,
  MinuteOfDay,
  ServiceDefinition,
  SlotStatus,
} from '../domain/types';
import { checkText, requireId, requireUserId, Violations } from '../domain/validation';
import { MAX_CAPACITY } from '../domain/types';
import type {
  BookSlotRequest,
  CancelAppointmentRequest,
  CreateServiceRequest,
  GenerateSlotsRequest,
  GetAppointmentRequest,
  GetServiceRequest,
  HoldSlotRequest,
  ListAppointmentsRequest,
  ListServicesRequest,
  ListSlotsRequest,
  ReleaseHoldRequest,
  RescheduleAppointmentRequest,
  SetSlotStatusRequest,
  WatchSlotAvailabilityRequest,
} from '../gen/booking/v1/booking_service';
import { parseHoldToken, type HoldToken } from '../use-cases/shared/hold-token';
import type { DateMessage } from '../gen/google/type/date';
import type { TimeOfDay } from '../gen/google/type/timeofday';
import { appointmentStatusFromPb, slotStatusFromPb } from './codec';

export const MAX_GENERATION_DAYS = 366;

function pageSize(v: Violations, value: number, defaults: { default: number; max: number }): number {
  if (!Number.isInteger(value) || value < 0) {
    v.add('page_size', 'must not be negative');
    return defaults.default;
  }
  if (value === 0) return defaults.default;
  return Math.min(value, defaults.max); // AIP-158: larger sizes are coerced to the maximum
}

export function timeOfDay(
  v: Violations,
  field: string,
  t: TimeOfDay | undefined,
  allowEndOfDay: boolean,
): MinuteOfDay | null {
  if (!t) {
    v.add(field, 'is required');
    return null;
  }
  const endOfDay = allowEndOfDay && t.hours === 24 && t.minutes === 0;
  const ok =
    Number.isInteger(t.hours) &&
    Number.isInteger(t.minutes) &&
    ((t.hours >= 0 && t.hours <= 23) || endOfDay) &&
    t.minutes >= 0 &&
    t.minutes <= 59 &&
    t.seconds === 0 &&
    t.nanos === 0;
  if (!ok) {
    v.add(field, `must be a time of day 00:00 to 23:59${allowEndOfDay ? ' (or 24:00)' : ''} with no seconds`);
    return null;
  }
  return t.hours * 60 + t.minutes;
}

function localDate(v: Violations, field: string, d: DateMessage | undefined): LocalDate | null {
  if (!d) {
    v.add(field, 'is required');
    return null;
  }
  const date = { year: d.year, month: d.month, day: d.day };
  return v.check(isValidLocalDate(date), field, 'must be a valid calendar date') ? date : null;
}

function timestamp(v: Violations, field: string, t: Date | undefined): Date | null {
  if (!t) return null;
  return v.check(Number.isFinite(t.getTime()), field, 'must be a valid timestamp') ? t : null;
}

function slotStatusFilter(v: Violations, value: number): SlotStatus | null {
  const status = slotStatusFromPb(value);
  if (status === undefined) {
    v.add('status', 'is not a known slot status');
    return null;
  }
  return status;
}

function appointmentStatusFilter(v: Violations, value: number): AppointmentStatus | null {
  const status = appointmentStatusFromPb(value);
  if (status === undefined) {
    v.add('status', 'is not a known appointment status');
    return null;
  }
  return status;
}

/** An optional provider id: empty (none), or an id of the same alphabet as user ids. */
export function providerId(v: Violations, field: string, value: string): string | null {
  if (value === '') return null;
  requireUserId(v, field, value);
  return value;
}

/** CreateService: the definition, and the owner asked for (null: none named). */
export function parseCreateService(req: CreateServiceRequest): {
  def: ServiceDefinition;
  providerId: string | null;
} {
  const v = new Violations();
  const s = req.service;
  if (!s) throw invalidArgument([{ field: 'service', description: 'is required' }]);
  const owner = providerId(v, 'service.provider_id', s.providerId);
  v.check(s.price !== undefined, 'service.price', 'is required');
  const def = checkServiceDefinition(
    v,
    {
      name: s.name,
      description: s.description,
      address: s.address,
      price: {
        amountMinor: s.price?.amountMinor ?? 0,
        currencyCode: s.price?.currencyCode ?? 'EUR', // a missing price is reported above
      },
      timeZone: s.timeZone,
      openingMinute: timeOfDay(v, 'service.opening_time', s.openingTime, false),
      closingMinute: timeOfDay(v, 'service.closing_time', s.closingTime, true),
      slotDurationMinutes: s.slotDurationMinutes,
      active: s.active,
      capacity: s.capacity === 0 ? 1 : s.capacity,
    },
    'service.',
  );
  v.throwIfAny();
  return { def: def!, providerId: owner };
}

export function parseGetService(req: GetServiceRequest): string {
  const v = new Violations();
  const id = requireId(v, 'service_id', req.serviceId);
  v.throwIfAny();
  return id;
}

export function parseListServices(req: ListServicesRequest): {
  activeOnly: boolean;
  showDeleted: boolean;
  pageSize: number;
  pageToken: string;
} {
  const v = new Violations();
  const size = pageSize(v, req.pageSize, { default: 20, max: 100 });
  v.throwIfAny();
  return {
    activeOnly: req.activeOnly,
    showDeleted: req.showDeleted,
    pageSize: size,
    pageToken: req.pageToken,
  };
}

export function parseGenerateSlots(req: GenerateSlotsRequest): {
  serviceId: string;
  startDate: LocalDate;
  endDate: LocalDate;
} {
  const v = new Violations();
  const serviceId = requireId(v, 'service_id', req.serviceId);
  const startDate = localDate(v, 'start_date', req.startDate);
  const endDate = localDate(v, 'end_date', req.endDate);
  if (startDate && endDate) {
    const days = daysInRange(startDate, endDate);
    if (days < 1) v.add('end_date', 'must not be before start_date');
    else if (days > MAX_GENERATION_DAYS)
      v.add('end_date', `must be at most ${MAX_GENERATION_DAYS} days after start_date`);
  }
  v.throwIfAny();
  return { serviceId, startDate: startDate!, endDate: endDate! };
}

export function parseListSlots(req: ListSlotsRequest): {
  serviceId: string;
  from: Date | null;
  to: Date | null;
  status: SlotStatus | null;
  pageSize: number;
  pageToken: string;
} {
  const v = new Violations();
  const serviceId = requireId(v, 'service_id', req.serviceId);
  const from = timestamp(v, 'start_time', req.startTime);
  const to = timestamp(v, 'end_time', req.endTime);
  if (from && to) v.check(from.getTime() < to.getTime(), 'end_time', 'must be after start_time');
  const status = slotStatusFilter(v, req.status);
  const size = pageSize(v, req.pageSize, { default: 100, max: 500 });
  v.throwIfAny();
  return { serviceId, from, to, status, pageSize: size, pageToken: req.pageToken };
}

export function parseSetSlotStatus(req: SetSlotStatusRequest): {
  slotId: string;
  status: 'AVAILABLE' | 'LOCKED';
} {
  const v = new Violations();
  const slotId = requireId(v, 'slot_id', req.slotId);
  const status = slotStatusFromPb(req.status);
  const target = status === 'AVAILABLE' || status === 'LOCKED' ? status : null;
  if (!target) v.add('status', 'must be SLOT_STATUS_AVAILABLE or SLOT_STATUS_LOCKED');
  v.throwIfAny();
  return { slotId, status: target! };
}

const REQUEST_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** An optional AIP-155 request id: empty, or 1 to 64 URL-safe characters (a UUID fits). */
function requestId(v: Violations, value: string): string {
  if (value !== '') v.check(REQUEST_ID.test(value), 'request_id', 'must be 1 to 64 of A-Z a-z 0-9 _ -');
  return value;
}

function holdToken(v: Violations, value: string, required: boolean): HoldToken | null {
  if (value === '') {
    if (required) v.add('hold_token', 'is required');
    return null;
  }
  const token = parseHoldToken(value);
  if (!token) v.add('hold_token', 'is not a hold token returned by HoldSlot');
  return token;
}

export function parseBookSlot(req: BookSlotRequest): {
  slotId: string;
  userId: string;
  serviceId: string | null;
  hold: HoldToken | null;
  requestId: string;
  party: number;
} {
  const v = new Violations();
  const slotId = requireId(v, 'slot_id', req.slotId);
  const userId = requireUserId(v, 'user_id', req.userId);
  const serviceId = req.serviceId === '' ? null : requireId(v, 'service_id', req.serviceId);
  const hold = holdToken(v, req.holdToken, false);
  const id = requestId(v, req.requestId);
  const party = partySize(v, req.partySize ?? 0);
  v.throwIfAny();
  return { slotId, userId, serviceId, hold, requestId: id, party };
}

/** A party size: 0 (the default) means 1; at most MAX_CAPACITY (a slot's own capacity is checked against it later). */
function partySize(v: Violations, value: number): number {
  v.check(
    Number.isInteger(value) && value >= 0 && value <= MAX_CAPACITY,
    'party_size',
    `must be between 1 and ${MAX_CAPACITY} places (0 means 1)`,
  );
  return value === 0 ? 1 : value;
}

export function parseHoldSlot(req: HoldSlotRequest): {
  slotId: string;
  userId: string;
  ttlSeconds: number;
  requestId: string;
  party: number;
} {
  const v = new Violations();
  const slotId = requireId(v, 'slot_id', req.slotId);
  const userId = requireUserId(v, 'user_id', req.userId);
  v.check(
    Number.isInteger(req.ttlSeconds) && req.ttlSeconds >= 0,
    'ttl_seconds',
    'must be zero (the default) or a positive number of seconds',
  );
  const id = requestId(v, req.requestId);
  const party = partySize(v, req.partySize ?? 0);
  v.throwIfAny();
  return { slotId, userId, ttlSeconds: req.ttlSeconds, requestId: id, party };
}

export function parseReleaseHold(req: ReleaseHoldRequest): { hold: HoldToken; userId: string } {
  const v = new Violations();
  const hold = holdToken(v, req.holdToken, true);
  const userId = requireUserId(v, 'user_id', req.userId);
  v.throwIfAny();
  return { hold: hold!, userId };
}

export function parseRescheduleAppointment(req: RescheduleAppointmentRequest): {
  appointmentId: string;
  userId: string;
  newSlotId: string;
  requestId: string;
} {
  const v = new Violations();
  const appointmentId = requireId(v, 'appointment_id', req.appointmentId);
  const userId = requireUserId(v, 'user_id', req.userId);
  const newSlotId = requireId(v, 'new_slot_id', req.newSlotId);
  const id = requestId(v, req.requestId);
  v.throwIfAny();
  return { appointmentId, userId, newSlotId, requestId: id };
}

export function parseCancelAppointment(req: CancelAppointmentRequest): {
  appointmentId: string;
  userId: string;
  reason: string;
  requestId: string;
} {
  const v = new Violations();
  const appointmentId = requireId(v, 'appointment_id', req.appointmentId);
  const userId = requireUserId(v, 'user_id', req.userId);
  const reason = checkText(v, 'reason', req.reason, { max: 500 });
  const id = requestId(v, req.requestId);
  v.throwIfAny();
  return { appointmentId, userId, reason, requestId: id };
}

export function parseGetAppointment(req: GetAppointmentRequest): string {
  const v = new Violations();
  const id = requireId(v, 'appointment_id', req.appointmentId);
  v.throwIfAny();
  return id;
}

export function parseListAppointments(req: ListAppointmentsRequest): {
  userId: string;
  status: AppointmentStatus | null;
  pageSize: number;
  pageToken: string;
} {
  const v = new Violations();
  const userId = requireUserId(v, 'user_id', req.userId);
  const status = appointmentStatusFilter(v, req.status);
  const size = pageSize(v, req.pageSize, { default: 20, max: 100 });
  v.throwIfAny();
  return { userId, status, pageSize: size, pageToken: req.pageToken };
}

export function parseWatchSlotAvailability(req: WatchSlotAvailabilityRequest): {
  serviceId: string;
  from: Date | null;
  to: Date | null;
  sinceRevision: number;
  snapshot: boolean;
} {
  const v = new Violations();
  const serviceId = requireId(v, 'service_id', req.serviceId);
  const from = timestamp(v, 'start_time', req.startTime);
  const to = timestamp(v, 'end_time', req.endTime);
  if (from && to) v.check(from.getTime() < to.getTime(), 'end_time', 'must be after start_time');
  v.check(
    Number.isSafeInteger(req.sinceRevision) && req.sinceRevision >= 0,
    'since_revision',
    'must be zero or a revision received from this API',
  );
  v.throwIfAny();
  return { serviceId, from, to, sinceRevision: req.sinceRevision, snapshot: req.sendInitialSnapshot };
}

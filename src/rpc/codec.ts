/** Domain records to wire messages, and wire enums to domain values. */
import {
  type AppointmentStatus,
  type AppointmentView,
  type MinuteOfDay,
  partyOf,
  placesLeft,
  type ServiceRecord,
  type SlotRecord,
  type SlotStatus,
} from '../domain/types';
import {
  AppointmentStatus as PbAppointmentStatus,
  SlotStatus as PbSlotStatus,
  type Appointment,
  type Service,
  type Slot,
} from '../gen/booking/v1/resources';
import type { TimeOfDay } from '../gen/google/type/timeofday';

const SLOT_STATUS_TO_PB: Record<SlotStatus, PbSlotStatus> = {
  AVAILABLE: PbSlotStatus.SLOT_STATUS_AVAILABLE,
  LOCKED: PbSlotStatus.SLOT_STATUS_LOCKED,
  BOOKED: PbSlotStatus.SLOT_STATUS_BOOKED,
};

const APPOINTMENT_STATUS_TO_PB: Record<AppointmentStatus, PbAppointmentStatus> = {
  CONFIRMED: PbAppointmentStatus.APPOINTMENT_STATUS_CONFIRMED,
  CANCELLED: PbAppointmentStatus.APPOINTMENT_STATUS_CANCELLED,
};

export const slotStatusToPb = (status: SlotStatus): PbSlotStatus => SLOT_STATUS_TO_PB[status];

/** A wire slot status as a domain one; null for UNSPECIFIED; undefined if unknown. */
export function slotStatusFromPb(value: PbSlotStatus): SlotStatus | null | undefined {
  if (value === PbSlotStatus.SLOT_STATUS_UNSPECIFIED) return null;
  return (Object.keys(SLOT_STATUS_TO_PB) as SlotStatus[]).find((k) => SLOT_STATUS_TO_PB[k] === value);
}

export function appointmentStatusFromPb(value: PbAppointmentStatus): AppointmentStatus | null | undefined {
  if (value === PbAppointmentStatus.APPOINTMENT_STATUS_UNSPECIFIED) return null;
  return (Object.keys(APPOINTMENT_STATUS_TO_PB) as AppointmentStatus[]).find(
    (k) => APPOINTMENT_STATUS_TO_PB[k] === value,
  );
}

/** The fields a wire message carries exactly as the record has them (the rest are converted). */
function asIs<T extends object, K extends keyof T>(record: T, ...keys: K[]): Pick<T, K> {
  const fields = {} as Pick<T, K>;
  for (const key of keys) fields[key] = record[key];
  return fields;
}

export const timeOfDayToPb = (minute: MinuteOfDay): TimeOfDay => ({
  hours: Math.floor(minute / 60),
  minutes: minute % 60,
  seconds: 0,
  nanos: 0,
});

export function serviceToPb(s: ServiceRecord): Service {
  return {
    ...asIs(
      s,
      'id',
      'name',
      'description',
      'address',
      'timeZone',
      'slotDurationMinutes',
      'active',
      'capacity',
    ),
    price: { amountMinor: s.price.amountMinor, currencyCode: s.price.currencyCode },
    openingTime: timeOfDayToPb(s.openingMinute),
    closingTime: timeOfDayToPb(s.closingMinute),
    createTime: s.createdAt,
    updateTime: s.updatedAt,
    providerId: s.providerId ?? '',
    deleteTime: s.deletedAt ?? undefined,
    etag: String(s.revision),
  };
}

/**
 * A slot on the wire. `appointment_id` is shown only to a caller entitled to
 * that appointment (`visibleAppointmentId`), so a slot listing does not hand
 * out other users' appointment ids.
 */
export function slotToPb(s: SlotRecord, visibleAppointmentId: string | null = null): Slot {
  return {
    ...asIs(s, 'id', 'serviceId', 'startTime', 'endTime', 'revision', 'capacity'),
    status: SLOT_STATUS_TO_PB[s.status],
    appointmentId:
      s.appointmentId !== null && s.appointmentId === visibleAppointmentId ? s.appointmentId : '',
    holdExpireTime: s.holdExpiresAt ?? undefined,
    placesTaken:
      s.capacity > 1
        ? s.placesTaken
        : s.status === 'LOCKED' && s.holdId === null
          ? 0
          : s.status === 'AVAILABLE'
            ? 0
            : 1,
    placesLeft: placesLeft(s),
  };
}

export function appointmentToPb(v: AppointmentView): Appointment {
  const a = v.appointment;
  return {
    ...asIs(a, 'id', 'userId', 'serviceId', 'slotId', 'startTime', 'endTime', 'cancellationReason'),
    status: APPOINTMENT_STATUS_TO_PB[a.status],
    createTime: a.createdAt,
    cancelTime: a.cancelledAt ?? undefined,
    service: v.service ? serviceToPb(v.service) : undefined,
    slot: v.slot ? slotToPb(v.slot, a.id) : undefined,
    rescheduleTime: a.rescheduledAt ?? undefined,
    partySize: partyOf(a),
  };
}

/** BookSlot, RescheduleAppointment, CancelAppointment, GetAppointment and ListAppointments. */
import { z } from 'zod';
import type { AppointmentStatus } from '../../domain/types';
import type {
  BookSlotRequest,
  CancelAppointmentRequest,
  GetAppointmentRequest,
  ListAppointmentsRequest,
  RescheduleAppointmentRequest,
} from '../../gen/booking/v1/booking_service';
import type { BookSlotCommand } from '../../use-cases/booking/book-slot';
import { appointmentStatusFromPb } from '../codec';
import {
  enumValue,
  objectId,
  optionalHoldToken,
  optionalObjectId,
  pageSize,
  partySize,
  requestId,
  text,
  userId,
} from './fields';
import { parseRequest } from './violations';

const BookSlot = z.object({
  slotId: objectId,
  userId,
  serviceId: optionalObjectId,
  holdToken: optionalHoldToken,
  requestId,
  partySize,
});

export function parseBookSlot(req: BookSlotRequest): BookSlotCommand {
  const { holdToken, partySize, ...rest } = parseRequest(BookSlot, req);
  return { ...rest, hold: holdToken, party: partySize };
}

const RescheduleAppointment = z.object({ appointmentId: objectId, userId, newSlotId: objectId, requestId });

export function parseRescheduleAppointment(req: RescheduleAppointmentRequest): {
  appointmentId: string;
  userId: string;
  newSlotId: string;
  requestId: string;
} {
  return parseRequest(RescheduleAppointment, req);
}

const CancelAppointment = z.object({ appointmentId: objectId, userId, reason: text(500), requestId });

export function parseCancelAppointment(req: CancelAppointmentRequest): {
  appointmentId: string;
  userId: string;
  reason: string;
  requestId: string;
} {
  return parseRequest(CancelAppointment, req);
}

const GetAppointment = z.object({ appointmentId: objectId });

export function parseGetAppointment(req: GetAppointmentRequest): string {
  return parseRequest(GetAppointment, req).appointmentId;
}

const ListAppointments = z.object({
  userId,
  status: enumValue(appointmentStatusFromPb, 'is not a known appointment status'),
  pageSize: pageSize({ default: 20, max: 100 }),
  pageToken: z.string(),
});

export function parseListAppointments(req: ListAppointmentsRequest): {
  userId: string;
  status: AppointmentStatus | null;
  pageSize: number;
  pageToken: string;
} {
  return parseRequest(ListAppointments, req);
}

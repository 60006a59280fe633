import type { AppointmentQueryService } from '../../services/appointment-query.service';
import type { BookingService } from '../../services/booking.service';
import type {
  BookSlotRequest,
  BookSlotResponse,
  CancelAppointmentRequest,
  CancelAppointmentResponse,
  GetAppointmentRequest,
  GetAppointmentResponse,
  HoldSlotRequest,
  HoldSlotResponse,
  ListAppointmentsRequest,
  ListAppointmentsResponse,
  ReleaseHoldRequest,
  ReleaseHoldResponse,
  RescheduleAppointmentRequest,
  RescheduleAppointmentResponse,
} from '../../gen/booking/v1/booking_service';
import type { HoldService } from '../../services/hold.service';
import { appointmentToPb, slotToPb } from '../codec';
import * as parse from '../requests';

/** Users' RPCs: proto in, one service call, proto out. */
export function appointmentHandlers(
  booking: BookingService,
  holds: HoldService,
  queries: AppointmentQueryService,
) {
  return {
    holdSlot: async (req: HoldSlotRequest): Promise<HoldSlotResponse> => {
      const hold = await holds.holdSlot(parse.parseHoldSlot(req));
      return { holdToken: hold.token, expireTime: hold.expiresAt, slot: slotToPb(hold.slot) };
    },

    releaseHold: async (req: ReleaseHoldRequest): Promise<ReleaseHoldResponse> => {
      return { slot: slotToPb(await holds.releaseHold(parse.parseReleaseHold(req))) };
    },

    rescheduleAppointment: async (
      req: RescheduleAppointmentRequest,
    ): Promise<RescheduleAppointmentResponse> => {
      const view = await booking.rescheduleAppointment(parse.parseRescheduleAppointment(req));
      return { appointment: appointmentToPb(view) };
    },

    bookSlot: async (req: BookSlotRequest): Promise<BookSlotResponse> => {
      return { appointment: appointmentToPb(await booking.bookSlot(parse.parseBookSlot(req))) };
    },

    cancelAppointment: async (req: CancelAppointmentRequest): Promise<CancelAppointmentResponse> => {
      const view = await booking.cancelAppointment(parse.parseCancelAppointment(req));
      return { appointment: appointmentToPb(view) };
    },

    getAppointment: async (req: GetAppointmentRequest): Promise<GetAppointmentResponse> => {
      const view = await queries.getAppointment(parse.parseGetAppointment(req));
      return { appointment: appointmentToPb(view) };
    },

    listAppointments: async (req: ListAppointmentsRequest): Promise<ListAppointmentsResponse> => {
      const page = await queries.listAppointments(parse.parseListAppointments(req));
      return {
        appointments: page.items.map(appointmentToPb),
        nextPageToken: page.nextPageToken,
      };
    },
  };
}

import type { AppointmentQueryService } from '../../services/appointment-query.service';
import type { BookingService } from '../../services/booking.service';
import type {
  BookSlotRequest,
  BookSlotResponse,
  CancelAppointmentRequest,
  CancelAppointmentResponse,
  GetAppointmentRequest,
  GetAppointmentResponse,
  ListAppointmentsRequest,
  ListAppointmentsResponse,
} from '../../gen/booking/v1/booking_service';
import { appointmentToPb } from '../codec';
import * as parse from '../requests';

/** Users' RPCs: proto in, one service call, proto out. */
export function appointmentHandlers(booking: BookingService, queries: AppointmentQueryService) {
  return {
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

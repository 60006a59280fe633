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
import type { UseCases } from '../../use-cases';
import { actingUser, visibleUser } from '../../domain/principal';
import { appointmentToPb, slotToPb } from '../codec';
import type { CallContext } from '../unary';
import * as parse from '../requests';

/** Users' RPCs: proto in, the use case named after the RPC (src/use-cases/<area>/<rpc>.ts), proto out. */
export function appointmentHandlers(useCases: UseCases) {
  return {
    holdSlot: async (req: HoldSlotRequest, ctx: CallContext): Promise<HoldSlotResponse> => {
      const hold = await useCases.holdSlot.run(parse.parseHoldSlot(asUser(req, ctx)));
      return { holdToken: hold.token, expireTime: hold.expiresAt, slot: slotToPb(hold.slot) };
    },

    releaseHold: async (req: ReleaseHoldRequest, ctx: CallContext): Promise<ReleaseHoldResponse> => {
      return { slot: slotToPb(await useCases.releaseHold.run(parse.parseReleaseHold(asUser(req, ctx)))) };
    },

    rescheduleAppointment: async (
      req: RescheduleAppointmentRequest,
      ctx: CallContext,
    ): Promise<RescheduleAppointmentResponse> => {
      const view = await useCases.rescheduleAppointment.run(
        parse.parseRescheduleAppointment(asUser(req, ctx)),
      );
      return { appointment: appointmentToPb(view) };
    },

    bookSlot: async (req: BookSlotRequest, ctx: CallContext): Promise<BookSlotResponse> => {
      return {
        appointment: appointmentToPb(await useCases.bookSlot.run(parse.parseBookSlot(asUser(req, ctx)))),
      };
    },

    cancelAppointment: async (
      req: CancelAppointmentRequest,
      ctx: CallContext,
    ): Promise<CancelAppointmentResponse> => {
      const view = await useCases.cancelAppointment.run(parse.parseCancelAppointment(asUser(req, ctx)));
      return { appointment: appointmentToPb(view) };
    },

    getAppointment: async (req: GetAppointmentRequest, ctx: CallContext): Promise<GetAppointmentResponse> => {
      const view = await useCases.getAppointment.run(
        parse.parseGetAppointment(req),
        visibleUser(ctx.principal),
      );
      return { appointment: appointmentToPb(view) };
    },

    listAppointments: async (
      req: ListAppointmentsRequest,
      ctx: CallContext,
    ): Promise<ListAppointmentsResponse> => {
      const page = await useCases.listAppointments.run(parse.parseListAppointments(asUser(req, ctx)));
      return {
        appointments: page.items.map(appointmentToPb),
        nextPageToken: page.nextPageToken,
      };
    },
  };
}

/** The request with its user_id resolved for the caller (a user acts only as itself). */
function asUser<T extends { userId: string }>(req: T, ctx: CallContext): T {
  return { ...req, userId: actingUser(ctx.principal, req.userId) };
}

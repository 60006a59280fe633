import type { Role } from '../domain/principal';

const ANYONE: readonly Role[] = ['admin', 'service', 'user'];
const CATALOG_ADMIN: readonly Role[] = ['admin'];
/** Appointment RPCs; a user may act only for themselves (see actingUser). */
const BOOKING: readonly Role[] = ['service', 'user'];

/** Which roles may call each RPC. Health and reflection need no token. */
export const RPC_ROLES = {
  createService: CATALOG_ADMIN,
  generateSlots: CATALOG_ADMIN,
  setSlotStatus: CATALOG_ADMIN,
  getService: ANYONE,
  listServices: ANYONE,
  listSlots: ANYONE,
  watchSlotAvailability: ANYONE,
  bookSlot: BOOKING,
  cancelAppointment: BOOKING,
  holdSlot: BOOKING,
  releaseHold: BOOKING,
  rescheduleAppointment: BOOKING,
  getAppointment: BOOKING,
  listAppointments: BOOKING,
} satisfies Record<string, readonly Role[]>;

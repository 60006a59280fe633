import type { Role } from '../domain/principal';

const ANYONE: readonly Role[] = ['admin', 'provider', 'service', 'user'];
/** Catalog changes; a provider only on services it owns (checked by the use case: provider-scope.ts). */
const CATALOG_ADMIN: readonly Role[] = ['admin', 'provider'];
/** Appointment RPCs; a user may act only for themselves (see actingUser). */
const BOOKING: readonly Role[] = ['service', 'user'];

/** Which roles may call each RPC. Health and reflection need no token. */
export const RPC_ROLES = {
  createService: CATALOG_ADMIN,
  updateService: CATALOG_ADMIN,
  deleteService: CATALOG_ADMIN,
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

/** The roles that may call `method` (as in the proto: BookSlot); an RPC without a policy is a bug. */
export function rolesFor(method: string): readonly Role[] {
  const key = method.charAt(0).toLowerCase() + method.slice(1);
  if (!Object.hasOwn(RPC_ROLES, key)) throw new Error(`no access policy for ${method}`);
  return RPC_ROLES[key as keyof typeof RPC_ROLES];
}

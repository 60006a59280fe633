/**
 * Wire requests to validated commands, one zod schema per request (see
 * violations.ts for how its issues become BadRequest field violations).
 * Every invalid field is collected and reported at once (INVALID_ARGUMENT
 * with a BadRequest), before anything is read or written.
 */
export {
  parseBookSlot,
  parseCancelAppointment,
  parseGetAppointment,
  parseListAppointments,
  parseRescheduleAppointment,
} from './appointments';
export { parseCreateService, parseDeleteService, parseGetService, parseListServices } from './catalog';
export { parseHoldSlot, parseReleaseHold } from './holds';
export { parseUpdateService } from './service-update';
export { MAX_GENERATION_DAYS, parseGenerateSlots, parseListSlots, parseSetSlotStatus } from './slots';
export { parseWatchSlotAvailability } from './watch';

import { DateTime, IANAZone } from 'luxon';
import type { LocalDate, MinuteOfDay } from './types';

export interface PlannedSlot {
  startTime: Date;
  endTime: Date;
}

export interface SlotPlanInput {
  timeZone: string;
  openingMinute: MinuteOfDay;
  closingMinute: MinuteOfDay;
  slotDurationMinutes: number;
  startDate: LocalDate;
  endDate: LocalDate;
}

export const isValidTimeZone = (zone: string): boolean => IANAZone.isValidZone(zone);

export const isValidLocalDate = (d: LocalDate): boolean =>
  d.year >= 1 &&
  d.year <= 9999 &&
  DateTime.fromObject({ year: d.year, month: d.month, day: d.day }, { zone: 'UTC' }).isValid;

/** Inclusive number of days from `start` to `end` (negative when end < start). */
export function daysInRange(start: LocalDate, end: LocalDate): number {
  const a = DateTime.fromObject(start, { zone: 'UTC' });
  const b = DateTime.fromObject(end, { zone: 'UTC' });
  return Math.round(b.diff(a, 'days').days) + 1;
}

/** Upper bound of the slots a range can produce, computable before planning. */
export function maxSlotsFor(input: Omit<SlotPlanInput, 'timeZone'>): number {
  const perDay = Math.floor((input.closingMinute - input.openingMinute) / input.slotDurationMinutes);
  // A day can be longer than usual by a daylight-saving fall-back: an hour in
  // most zones, two in the largest shift the tz database has (Antarctica/Troll).
  const extra = Math.ceil(120 / input.slotDurationMinutes);
  return Math.max(0, daysInRange(input.startDate, input.endDate)) * (perDay + extra);
}

/**
 * The slots of each local date in the range: consecutive intervals of the
 * slot length, from the opening time's instant while they end by the closing
 * time's instant, both read in the service's time zone on that date.
 *
 * Across daylight-saving changes this keeps local opening hours (09:00 stays
 * 09:00 local, so its UTC instant moves), and a day that spans the change has
 * its true length: one slot fewer (spring forward) or more (fall back) for a
 * service open through the night. A local time that does not exist on a date
 * (skipped by spring forward) is taken as the first instant after the gap.
 */
export function planSlots(input: SlotPlanInput): PlannedSlot[] {
  const slots: PlannedSlot[] = [];
  const stepMs = input.slotDurationMinutes * 60_000;
  let date = DateTime.fromObject(input.startDate, { zone: input.timeZone }).startOf('day');
  const last = DateTime.fromObject(input.endDate, { zone: input.timeZone }).startOf('day');
  while (date <= last) {
    const open = atMinuteOfDay(date, input.openingMinute).toMillis();
    const close = atMinuteOfDay(date, input.closingMinute).toMillis();
    for (let start = open; start + stepMs <= close; start += stepMs) {
      slots.push({ startTime: new Date(start), endTime: new Date(start + stepMs) });
    }
    date = date.plus({ days: 1 }).startOf('day');
  }
  return slots;
}

function atMinuteOfDay(day: DateTime, minute: MinuteOfDay): DateTime {
  if (minute >= 24 * 60) return day.plus({ days: 1 }).startOf('day');
  const hour = Math.floor(minute / 60);
  const wall = { hour, minute: minute % 60, second: 0, millisecond: 0 };
  // An ambiguous time (fall back) resolves to its first occurrence.
  const resolved = day.set(wall);
  if (resolved.hour === hour && resolved.minute === wall.minute) return resolved;
  // The time falls in a spring-forward gap, which Luxon skips by the gap's
  // length: take the first instant after the gap instead.
  return gapEnd(resolved.minus({ hours: 3 }), resolved);
}

/** The instant a zone's offset changes between `from` and `to` (to the minute). */
function gapEnd(from: DateTime, to: DateTime): DateTime {
  let lo = from.toMillis();
  let hi = to.toMillis();
  const offsetAtLo = from.offset;
  while (hi - lo > 60_000) {
    const mid = lo + Math.max(1, Math.floor((hi - lo) / 120_000)) * 60_000;
    if (DateTime.fromMillis(mid, { zone: to.zone }).offset === offsetAtLo) lo = mid;
    else hi = mid;
  }
  return DateTime.fromMillis(hi, { zone: to.zone });
}

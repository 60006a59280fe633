/**
 * The limits and dates of slot plans: maxSlotsFor, daysInRange, and the
 * validity of local dates and time zones.
 */
import {
  daysInRange,
  isValidLocalDate,
  isValidTimeZone,
  maxSlotsFor,
  planSlots,
} from '../../../src/domain/slot-plan';
import type { LocalDate } from '../../../src/domain/types';

const date = (year: number, month: number, day: number): LocalDate => ({ year, month, day });
const hm = (hours: number, minutes = 0): number => hours * 60 + minutes;

describe('maxSlotsFor', () => {
  const year2027 = { startDate: date(2027, 1, 1), endDate: date(2027, 12, 31) };
  const shapes = [
    { openingMinute: 0, closingMinute: 1440, slotDurationMinutes: 60 },
    { openingMinute: 0, closingMinute: 1440, slotDurationMinutes: 5 },
    { openingMinute: 0, closingMinute: 1440, slotDurationMinutes: 45 },
    { openingMinute: 0, closingMinute: 1440, slotDurationMinutes: 1440 },
    { openingMinute: hm(1), closingMinute: hm(4), slotDurationMinutes: 30 },
    { openingMinute: hm(2, 30), closingMinute: hm(3), slotDurationMinutes: 30 },
    { openingMinute: hm(9), closingMinute: hm(17), slotDurationMinutes: 30 },
    { openingMinute: hm(9), closingMinute: hm(10), slotDurationMinutes: 7 },
  ];
  const zones = ['UTC', 'Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe'];
  // March, April, October and November 2027: every change of these zones.
  const TRANSITION_MONTH_DAYS = [2, 3, 9, 10].flatMap((month) =>
    Array.from({ length: 31 }, (_, i) => new Date(Date.UTC(2027, month, 1 + i))).filter(
      (d) => d.getUTCMonth() === month,
    ),
  );

  it.each(zones)('is at least the planned number of slots, per day and per year, in %s', (timeZone) => {
    for (const shape of shapes) {
      const yearly = planSlots({ timeZone, ...shape, ...year2027 }).length;
      expect(maxSlotsFor({ ...shape, ...year2027 })).toBeGreaterThanOrEqual(yearly);
      // Every single day of the months with daylight-saving changes is bounded too.
      for (const day of TRANSITION_MONTH_DAYS) {
        const local = date(day.getUTCFullYear(), day.getUTCMonth() + 1, day.getUTCDate());
        const planned = planSlots({ timeZone, ...shape, startDate: local, endDate: local }).length;
        const bound = maxSlotsFor({ ...shape, startDate: local, endDate: local });
        if (planned > bound)
          throw new Error(`${timeZone} ${JSON.stringify(shape)} ${day.toISOString()}: ${planned} > ${bound}`);
      }
    }
  });

  it('is an upper bound in a zone with a two-hour daylight-saving shift (Antarctica/Troll)', () => {
    // Troll switches between UTC+0 and UTC+2, so its fall-back day has 26 hours.
    expect(isValidTimeZone('Antarctica/Troll')).toBe(true);
    const day = { startDate: date(2027, 10, 31), endDate: date(2027, 10, 31) };
    const shape = { openingMinute: 0, closingMinute: 1440, slotDurationMinutes: 60 };
    const planned = planSlots({ timeZone: 'Antarctica/Troll', ...shape, ...day }).length;
    expect(planned).toBe(26);
    expect(maxSlotsFor({ ...shape, ...day })).toBeGreaterThanOrEqual(planned);
  });

  it('is zero for an empty or inverted range', () => {
    const shape = { openingMinute: hm(9), closingMinute: hm(17), slotDurationMinutes: 30 };
    expect(maxSlotsFor({ ...shape, startDate: date(2027, 5, 2), endDate: date(2027, 5, 1) })).toBe(0);
    expect(maxSlotsFor({ ...shape, startDate: date(2027, 5, 9), endDate: date(2027, 5, 1) })).toBe(0);
  });

  it('grows linearly with the number of days', () => {
    const shape = { openingMinute: hm(9), closingMinute: hm(17), slotDurationMinutes: 30 };
    const one = maxSlotsFor({ ...shape, startDate: date(2027, 5, 1), endDate: date(2027, 5, 1) });
    const ten = maxSlotsFor({ ...shape, startDate: date(2027, 5, 1), endDate: date(2027, 5, 10) });
    expect(one).toBeGreaterThanOrEqual(16);
    expect(ten).toBe(10 * one);
  });
});

describe('daysInRange', () => {
  it.each([
    [date(2027, 5, 1), date(2027, 5, 1), 1],
    [date(2027, 5, 1), date(2027, 5, 2), 2],
    [date(2027, 1, 1), date(2027, 12, 31), 365],
    [date(2028, 1, 1), date(2028, 12, 31), 366],
    [date(2027, 1, 1), date(2028, 1, 1), 366],
    [date(2027, 3, 27), date(2027, 3, 29), 3], // across the Berlin spring-forward
    [date(2027, 10, 30), date(2027, 11, 1), 3], // and fall-back, unaffected (UTC dates)
    [date(2027, 2, 28), date(2027, 3, 1), 2],
    [date(2028, 2, 28), date(2028, 3, 1), 3],
  ])('counts %o to %o inclusively as %i', (start, end, days) => {
    expect(daysInRange(start, end)).toBe(days);
  });

  it('is less than one when the end is before the start', () => {
    expect(daysInRange(date(2027, 5, 2), date(2027, 5, 1))).toBeLessThan(1);
    expect(daysInRange(date(2027, 5, 10), date(2027, 5, 1))).toBe(-8);
  });
});

describe('isValidLocalDate', () => {
  it.each([
    [date(2028, 2, 29), true], // leap year
    [date(2000, 2, 29), true], // divisible by 400
    [date(2027, 2, 29), false],
    [date(1900, 2, 29), false], // divisible by 100, not by 400
    [date(2027, 2, 28), true],
    [date(2027, 2, 30), false],
    [date(2027, 4, 31), false],
    [date(2027, 12, 31), true],
    [date(2027, 13, 1), false],
    [date(2027, 0, 1), false],
    [date(2027, 1, 0), false],
    [date(0, 1, 1), false],
    [date(1, 1, 1), true],
    [date(9999, 12, 31), true],
    [date(10000, 1, 1), false],
    [date(2027.5, 1, 1), false],
  ])('%o is valid: %s', (d, valid) => {
    expect(isValidLocalDate(d)).toBe(valid);
  });
});

describe('isValidTimeZone', () => {
  it.each([
    ['Europe/Berlin', true],
    ['America/New_York', true],
    ['Australia/Lord_Howe', true],
    ['UTC', true],
    ['Mars/Olympus', false],
    ['', false],
  ])('%s is valid: %s', (zone, valid) => {
    expect(isValidTimeZone(zone)).toBe(valid);
  });
});

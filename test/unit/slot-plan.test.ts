/**
 * planSlots keeps local opening hours across daylight-saving changes, gives a
 * day spanning a change its true length, and maxSlotsFor bounds it from above.
 */
import {
  daysInRange,
  isValidLocalDate,
  isValidTimeZone,
  maxSlotsFor,
  planSlots,
  type SlotPlanInput,
} from '../../src/domain/slot-plan';
import type { LocalDate } from '../../src/domain/types';

const date = (year: number, month: number, day: number): LocalDate => ({ year, month, day });
const hm = (hours: number, minutes = 0): number => hours * 60 + minutes;

/** One day of a service's slots, as ISO start instants. */
function plan(input: Omit<SlotPlanInput, 'endDate'> & { endDate?: LocalDate }): string[] {
  return planSlots({ ...input, endDate: input.endDate ?? input.startDate }).map((s) =>
    s.startTime.toISOString(),
  );
}

const ROUND_THE_CLOCK = { openingMinute: 0, closingMinute: 24 * 60 } as const;

describe('planSlots', () => {
  describe('Europe/Berlin', () => {
    const berlin = { timeZone: 'Europe/Berlin', openingMinute: hm(9), closingMinute: hm(12) };

    it('keeps 09:00 local across spring forward (2027-03-28): the UTC instant moves an hour earlier', () => {
      const before = plan({ ...berlin, slotDurationMinutes: 60, startDate: date(2027, 3, 27) });
      const after = plan({ ...berlin, slotDurationMinutes: 60, startDate: date(2027, 3, 28) });
      expect(before).toEqual([
        '2027-03-27T08:00:00.000Z',
        '2027-03-27T09:00:00.000Z',
        '2027-03-27T10:00:00.000Z',
      ]);
      expect(after).toEqual([
        '2027-03-28T07:00:00.000Z',
        '2027-03-28T08:00:00.000Z',
        '2027-03-28T09:00:00.000Z',
      ]);
    });

    it('keeps 09:00 local across fall back (2027-10-31): the UTC instant moves an hour later', () => {
      const before = plan({ ...berlin, slotDurationMinutes: 180, startDate: date(2027, 10, 30) });
      const after = plan({ ...berlin, slotDurationMinutes: 180, startDate: date(2027, 10, 31) });
      expect(before).toEqual(['2027-10-30T07:00:00.000Z']);
      expect(after).toEqual(['2027-10-31T08:00:00.000Z']);
    });

    it('gives each slot its duration and consecutive slots no gaps or overlaps', () => {
      const slots = planSlots({
        ...berlin,
        slotDurationMinutes: 30,
        startDate: date(2027, 3, 27),
        endDate: date(2027, 3, 29),
      });
      expect(slots).toHaveLength(18);
      for (const s of slots) expect(s.endTime.getTime() - s.startTime.getTime()).toBe(30 * 60_000);
      const perDay = [slots.slice(0, 6), slots.slice(6, 12), slots.slice(12)];
      for (const day of perDay) {
        for (let i = 1; i < day.length; i++) expect(day[i]!.startTime).toEqual(day[i - 1]!.endTime);
      }
      expect(perDay.map((d) => d[0]!.startTime.toISOString())).toEqual([
        '2027-03-27T08:00:00.000Z',
        '2027-03-28T07:00:00.000Z',
        '2027-03-29T07:00:00.000Z',
      ]);
    });

    it.each([
      [date(2027, 3, 27), 24],
      [date(2027, 3, 28), 23],
      [date(2027, 3, 29), 24],
      [date(2027, 10, 30), 24],
      [date(2027, 10, 31), 25],
      [date(2027, 11, 1), 24],
    ])('a 00:00-24:00 service with 60-minute slots has the true length of %o: %i slots', (day, count) => {
      const slots = planSlots({
        timeZone: 'Europe/Berlin',
        ...ROUND_THE_CLOCK,
        slotDurationMinutes: 60,
        startDate: day,
        endDate: day,
      });
      expect(slots).toHaveLength(count);
      // The day runs from local midnight to the next local midnight, with no gap.
      for (let i = 1; i < slots.length; i++) expect(slots[i]!.startTime).toEqual(slots[i - 1]!.endTime);
    });

    it('runs the 25-hour fall-back day from local midnight to the next local midnight', () => {
      const slots = planSlots({
        timeZone: 'Europe/Berlin',
        ...ROUND_THE_CLOCK,
        slotDurationMinutes: 60,
        startDate: date(2027, 10, 31),
        endDate: date(2027, 10, 31),
      });
      expect(slots[0]!.startTime.toISOString()).toBe('2027-10-30T22:00:00.000Z'); // 00:00 CEST
      expect(slots.at(-1)!.endTime.toISOString()).toBe('2027-10-31T23:00:00.000Z'); // 24:00 CET
    });

    it('takes an opening time inside the spring-forward gap (02:30) as the first instant after the gap', () => {
      // 2027-03-28 02:00 CET jumps to 03:00 CEST (01:00Z): 02:30 local does not exist.
      // Documented in planSlots: "taken as the first instant after the gap", i.e. 03:00 CEST.
      const slots = plan({
        timeZone: 'Europe/Berlin',
        openingMinute: hm(2, 30),
        closingMinute: hm(5),
        slotDurationMinutes: 30,
        startDate: date(2027, 3, 28),
      });
      expect(slots).toEqual([
        '2027-03-28T01:00:00.000Z', // 03:00 CEST
        '2027-03-28T01:30:00.000Z',
        '2027-03-28T02:00:00.000Z',
        '2027-03-28T02:30:00.000Z', // 04:30-05:00 CEST
      ]);
    });

    it('never starts a slot before the gap nor outside opening hours on the spring-forward day', () => {
      const slots = planSlots({
        timeZone: 'Europe/Berlin',
        openingMinute: hm(2, 30),
        closingMinute: hm(5),
        slotDurationMinutes: 30,
        startDate: date(2027, 3, 28),
        endDate: date(2027, 3, 28),
      });
      expect(slots.length).toBeGreaterThan(0);
      for (const s of slots) {
        expect(s.startTime.getTime()).toBeGreaterThanOrEqual(Date.parse('2027-03-28T01:00:00Z'));
        expect(s.endTime.getTime()).toBeLessThanOrEqual(Date.parse('2027-03-28T03:00:00Z')); // 05:00 CEST
      }
    });

    it('takes an ambiguous opening time on the fall-back day (02:30) at its first occurrence', () => {
      // 2027-10-31 03:00 CEST falls back to 02:00 CET: 02:30 happens twice.
      const slots = plan({
        timeZone: 'Europe/Berlin',
        openingMinute: hm(2, 30),
        closingMinute: hm(3),
        slotDurationMinutes: 30,
        startDate: date(2027, 10, 31),
      });
      // 02:30 CEST (00:30Z) until 03:00 CET (02:00Z): an hour and a half.
      expect(slots).toEqual([
        '2027-10-31T00:30:00.000Z',
        '2027-10-31T01:00:00.000Z',
        '2027-10-31T01:30:00.000Z',
      ]);
    });
  });

  describe('America/New_York', () => {
    const ny = { timeZone: 'America/New_York', openingMinute: hm(9), closingMinute: hm(10) };

    it.each([
      [date(2027, 3, 13), '2027-03-13T14:00:00.000Z'], // EST, UTC-5
      [date(2027, 3, 14), '2027-03-14T13:00:00.000Z'], // EDT from 02:00 that morning
      [date(2027, 11, 6), '2027-11-06T13:00:00.000Z'],
      [date(2027, 11, 7), '2027-11-07T14:00:00.000Z'], // EST again
    ])('starts 09:00 local on %o at %s', (day, instant) => {
      expect(plan({ ...ny, slotDurationMinutes: 60, startDate: day })).toEqual([instant]);
    });

    it.each([
      [date(2027, 3, 14), 23],
      [date(2027, 11, 7), 25],
      [date(2027, 7, 1), 24],
    ])('a round-the-clock day %o has %i hourly slots', (day, count) => {
      expect(
        planSlots({
          timeZone: 'America/New_York',
          ...ROUND_THE_CLOCK,
          slotDurationMinutes: 60,
          startDate: day,
          endDate: day,
        }),
      ).toHaveLength(count);
    });
  });

  describe('Australia/Lord_Howe (30-minute daylight saving)', () => {
    it.each([
      [date(2027, 4, 4), 49], // 02:00 LHDT back to 01:30 LHST: 24.5 hours
      [date(2027, 10, 3), 47], // 02:00 LHST forward to 02:30 LHDT: 23.5 hours
      [date(2027, 6, 1), 48],
    ])('a round-the-clock day %o has %i half-hour slots', (day, count) => {
      expect(
        planSlots({
          timeZone: 'Australia/Lord_Howe',
          ...ROUND_THE_CLOCK,
          slotDurationMinutes: 30,
          startDate: day,
          endDate: day,
        }),
      ).toHaveLength(count);
    });

    it('keeps 09:00 local across the half-hour change', () => {
      const svc = { timeZone: 'Australia/Lord_Howe', openingMinute: hm(9), closingMinute: hm(10) };
      expect(plan({ ...svc, slotDurationMinutes: 60, startDate: date(2027, 10, 2) })).toEqual([
        '2027-10-01T22:30:00.000Z', // UTC+10:30
      ]);
      expect(plan({ ...svc, slotDurationMinutes: 60, startDate: date(2027, 10, 3) })).toEqual([
        '2027-10-02T22:00:00.000Z', // UTC+11
      ]);
    });
  });

  it('plans nothing when the end date is before the start date', () => {
    expect(
      planSlots({
        timeZone: 'UTC',
        openingMinute: hm(9),
        closingMinute: hm(17),
        slotDurationMinutes: 30,
        startDate: date(2027, 5, 2),
        endDate: date(2027, 5, 1),
      }),
    ).toEqual([]);
  });

  it('drops a trailing remainder shorter than a slot', () => {
    expect(
      plan({
        timeZone: 'UTC',
        openingMinute: hm(9),
        closingMinute: hm(10, 50),
        slotDurationMinutes: 25,
        startDate: date(2027, 5, 1),
      }),
    ).toEqual([
      '2027-05-01T09:00:00.000Z',
      '2027-05-01T09:25:00.000Z',
      '2027-05-01T09:50:00.000Z',
      '2027-05-01T10:15:00.000Z',
    ]);
  });
});

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

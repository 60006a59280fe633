/**
 * planSlots: a service's slots for a range of days, in its time zone, within
 * opening hours.
 */
import { planSlots, type SlotPlanInput } from '../../../src/domain/slot-plan';
import type { LocalDate } from '../../../src/domain/types';

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

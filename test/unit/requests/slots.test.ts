/**
 * Slot requests: valid ones become commands; an invalid one is refused with
 * INVALID_ARGUMENT listing every invalid field at once.
 */
import {
  GenerateSlotsRequest,
  ListSlotsRequest,
  SetSlotStatusRequest,
} from '../../../src/gen/booking/v1/booking_service';
import { SlotStatus } from '../../../src/gen/booking/v1/resources';
import {
  MAX_GENERATION_DAYS,
  parseGenerateSlots,
  parseListSlots,
  parseSetSlotStatus,
} from '../../../src/rpc/requests';
import { localDate } from '../../factories';
import { ID, violated, itTakesPageSizes } from './refusal';

describe('parseGenerateSlots', () => {
  const parse = (req: Partial<GenerateSlotsRequest>) =>
    parseGenerateSlots(
      GenerateSlotsRequest.fromPartial({
        serviceId: ID,
        startDate: localDate(2027, 1, 1),
        endDate: localDate(2027, 1, 31),
        ...req,
      }),
    );

  it('accepts a valid range', () => {
    expect(parse({})).toEqual({
      serviceId: ID,
      startDate: localDate(2027, 1, 1),
      endDate: localDate(2027, 1, 31),
    });
  });

  it('accepts a single day', () => {
    expect(() => parse({ endDate: localDate(2027, 1, 1) })).not.toThrow();
  });

  it(`accepts exactly ${MAX_GENERATION_DAYS} days`, () => {
    expect(MAX_GENERATION_DAYS).toBe(366);
    expect(() => parse({ endDate: localDate(2028, 1, 1) })).not.toThrow(); // 2027-01-01..2028-01-01
    expect(() => parse({ startDate: localDate(2028, 1, 1), endDate: localDate(2028, 12, 31) })).not.toThrow(); // a leap year
  });

  it('refuses a range of more than 366 days', () => {
    expect(violated(() => parse({ endDate: localDate(2028, 1, 2) }))).toEqual(['end_date']);
    expect(violated(() => parse({ endDate: localDate(2030, 1, 1) }))).toEqual(['end_date']);
  });

  it('refuses an end before the start', () => {
    expect(
      violated(() => parse({ startDate: localDate(2027, 5, 2), endDate: localDate(2027, 5, 1) })),
    ).toEqual(['end_date']);
  });

  it.each([
    ['2027-02-30', localDate(2027, 2, 30)],
    ['2027-02-29 (not a leap year)', localDate(2027, 2, 29)],
    ['month 13', localDate(2027, 13, 1)],
    ['day 0', localDate(2027, 1, 0)],
    ['year 0 (a date without a year)', localDate(0, 1, 1)],
  ])('refuses the invalid date %s', (_label, d) => {
    expect(violated(() => parse({ startDate: d }))).toEqual(['start_date']);
    expect(violated(() => parse({ endDate: d }))).toEqual(['end_date']);
  });

  it('accepts 2028-02-29 (a leap year)', () => {
    expect(() => parse({ startDate: localDate(2028, 2, 29), endDate: localDate(2028, 2, 29) })).not.toThrow();
  });

  it('reports every invalid field at once', () => {
    expect(
      violated(() =>
        parseGenerateSlots(
          GenerateSlotsRequest.fromPartial({ serviceId: 'xyz', startDate: localDate(2027, 2, 30) }),
        ),
      ),
    ).toEqual(['end_date', 'service_id', 'start_date']);
  });
});

describe('parseListSlots', () => {
  const from = new Date('2027-05-01T00:00:00Z');
  const to = new Date('2027-05-02T00:00:00Z');
  const parse = (req: Partial<ListSlotsRequest>) =>
    parseListSlots(ListSlotsRequest.fromPartial({ serviceId: ID, ...req }));

  it('accepts a valid request and maps the status filter', () => {
    expect(
      parse({
        startTime: from,
        endTime: to,
        status: SlotStatus.SLOT_STATUS_LOCKED,
        pageSize: 10,
        pageToken: 't',
      }),
    ).toEqual({ serviceId: ID, from, to, status: 'LOCKED', pageSize: 10, pageToken: 't' });
  });

  it('takes an unset range and UNSPECIFIED status as no filter', () => {
    expect(parse({})).toEqual({
      serviceId: ID,
      from: null,
      to: null,
      status: null,
      pageSize: 100,
      pageToken: '',
    });
  });

  it.each([
    [SlotStatus.SLOT_STATUS_AVAILABLE, 'AVAILABLE'],
    [SlotStatus.SLOT_STATUS_LOCKED, 'LOCKED'],
    [SlotStatus.SLOT_STATUS_BOOKED, 'BOOKED'],
  ])('maps status %i to %s', (status, domain) => {
    expect(parse({ status }).status).toBe(domain);
  });

  itTakesPageSizes(parse, [
    [0, 100],
    [500, 500],
    [501, 500],
  ]);

  it('refuses an end not after the start', () => {
    expect(violated(() => parse({ startTime: to, endTime: from }))).toEqual(['end_time']);
    expect(violated(() => parse({ startTime: from, endTime: from }))).toEqual(['end_time']);
  });

  it('reports every invalid field at once', () => {
    expect(
      violated(() =>
        parseListSlots(
          ListSlotsRequest.fromPartial({
            serviceId: 'XYZ',
            startTime: new Date(Number.NaN),
            status: 99 as SlotStatus,
            pageSize: -1,
          }),
        ),
      ),
    ).toEqual(['page_size', 'service_id', 'start_time', 'status']);
  });
});

describe('parseSetSlotStatus', () => {
  const parse = (slotId: string, status: number) =>
    parseSetSlotStatus(SetSlotStatusRequest.fromPartial({ slotId, status }));

  it.each([
    [SlotStatus.SLOT_STATUS_AVAILABLE, 'AVAILABLE'],
    [SlotStatus.SLOT_STATUS_LOCKED, 'LOCKED'],
  ])('accepts status %i', (status, target) => {
    expect(parse(ID, status)).toEqual({ slotId: ID, status: target });
  });

  it.each([
    ['BOOKED', SlotStatus.SLOT_STATUS_BOOKED],
    ['UNSPECIFIED', SlotStatus.SLOT_STATUS_UNSPECIFIED],
    ['an unknown value', 42],
  ])('refuses status %s', (_label, status) => {
    expect(violated(() => parse(ID, status))).toEqual(['status']);
  });

  it('reports a bad id and a bad status at once', () => {
    expect(violated(() => parse('', SlotStatus.SLOT_STATUS_BOOKED))).toEqual(['slot_id', 'status']);
  });
});

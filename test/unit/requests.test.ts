/**
 * Request validation: valid requests become commands; an invalid one is
 * refused with INVALID_ARGUMENT listing every invalid field at once.
 */
import { DomainError } from '../../src/domain/errors';
import {
  BookSlotRequest,
  CancelAppointmentRequest,
  CreateServiceRequest,
  GenerateSlotsRequest,
  GetAppointmentRequest,
  GetServiceRequest,
  HoldSlotRequest,
  ListAppointmentsRequest,
  ListServicesRequest,
  ListSlotsRequest,
  ReleaseHoldRequest,
  RescheduleAppointmentRequest,
  SetSlotStatusRequest,
} from '../../src/gen/booking/v1/booking_service';
import { AppointmentStatus, SlotStatus, type Service } from '../../src/gen/booking/v1/resources';
import {
  MAX_GENERATION_DAYS,
  parseBookSlot,
  parseCancelAppointment,
  parseCreateService,
  parseGenerateSlots,
  parseGetAppointment,
  parseGetService,
  parseHoldSlot,
  parseListAppointments,
  parseListServices,
  parseListSlots,
  parseReleaseHold,
  parseRescheduleAppointment,
  parseSetSlotStatus,
} from '../../src/rpc/requests';
import { localDate, timeOfDay } from '../factories';

const ID = '65f0c0ffee0000000000abcd';
const BAD_IDS: [string, string][] = [
  ['not hex', 'xyz'],
  ['uppercase hex', '65F0C0FFEE0000000000ABCD'],
  ['25 characters', `${ID}0`],
  ['23 characters', ID.slice(1)],
  ['surrounded by spaces', ` ${ID.slice(2)} `],
];

/** The DomainError `fn` throws. */
function refusal(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(DomainError);
    return err as DomainError;
  }
  throw new Error('expected the request to be refused, but it was accepted');
}

/** The sorted fields an INVALID_ARGUMENT refusal of `fn` lists. */
function violated(fn: () => unknown): string[] {
  const err = refusal(fn);
  expect(err.reason).toBe('INVALID_ARGUMENT');
  for (const v of err.violations) expect(v.description).not.toBe('');
  return err.violations.map((v) => v.field).sort();
}

const validService = (overrides: Partial<Service> = {}) =>
  CreateServiceRequest.fromPartial({
    service: {
      name: 'Dr. Example',
      description: 'General practice',
      address: '1 Main Street',
      price: { amountMinor: 4500, currencyCode: 'EUR' },
      timeZone: 'Europe/Berlin',
      openingTime: timeOfDay(9),
      closingTime: timeOfDay(17),
      slotDurationMinutes: 30,
      active: true,
      ...overrides,
    },
  });

describe('parseCreateService', () => {
  it('accepts a valid service and converts times of day to minutes', () => {
    expect(parseCreateService(validService())).toEqual({
      def: {
        name: 'Dr. Example',
        description: 'General practice',
        address: '1 Main Street',
        price: { amountMinor: 4500, currencyCode: 'EUR' },
        timeZone: 'Europe/Berlin',
        openingMinute: 540,
        closingMinute: 1020,
        slotDurationMinutes: 30,
        active: true,
        capacity: 1,
      },
      providerId: null,
    });
  });

  it('reads capacity 0 (not sent) as 1 place, and refuses more than 1000 or fewer than 0', () => {
    expect(parseCreateService(validService({ capacity: 20 })).def.capacity).toBe(20);
    expect(violated(() => parseCreateService(validService({ capacity: 1001 })))).toEqual([
      'service.capacity',
    ]);
    expect(violated(() => parseCreateService(validService({ capacity: -2 })))).toEqual(['service.capacity']);
  });

  it('passes a provider_id through, and refuses one outside the id alphabet', () => {
    expect(parseCreateService(validService({ providerId: 'clinic-7' })).providerId).toBe('clinic-7');
    expect(violated(() => parseCreateService(validService({ providerId: '{"$ne":null}' })))).toEqual([
      'service.provider_id',
    ]);
  });

  it.each<[string, Partial<Service>]>([
    ['a closing time of 24:00', { openingTime: timeOfDay(0), closingTime: timeOfDay(24) }],
    [
      'a slot of a whole day',
      { openingTime: timeOfDay(0), closingTime: timeOfDay(24), slotDurationMinutes: 1440 },
    ],
    ['5-minute slots', { slotDurationMinutes: 5 }],
    ['a free service', { price: { amountMinor: 0, currencyCode: 'JPY' } }],
    ['empty description and address', { description: '', address: '' }],
    ['a 200-character name', { name: 'n'.repeat(200) }],
    ['a name of 200 astral characters', { name: '😀'.repeat(200) }],
    ['an inactive service', { active: false }],
    ['a slot that exactly fills the opening hours', { closingTime: timeOfDay(9, 30) }],
    ['UTC', { timeZone: 'UTC' }],
  ])('accepts %s', (_label, overrides) => {
    expect(() => parseCreateService(validService(overrides))).not.toThrow();
  });

  it('reports a missing service', () => {
    expect(violated(() => parseCreateService(CreateServiceRequest.fromPartial({})))).toEqual(['service']);
  });

  it('reports every invalid field at once', () => {
    const req = validService({
      name: '',
      description: 'd'.repeat(2001),
      address: 'a'.repeat(501),
      price: { amountMinor: -1, currencyCode: 'eur' },
      timeZone: 'Mars/Olympus',
      openingTime: timeOfDay(25),
      closingTime: timeOfDay(17, 60),
      slotDurationMinutes: 3,
    });
    expect(violated(() => parseCreateService(req))).toEqual([
      'service.address',
      'service.closing_time',
      'service.description',
      'service.name',
      'service.opening_time',
      'service.price.amount_minor',
      'service.price.currency_code',
      'service.slot_duration_minutes',
      'service.time_zone',
    ]);
  });

  it('reports missing price, time zone and times of day', () => {
    const req = validService({
      price: undefined,
      timeZone: '',
      openingTime: undefined,
      closingTime: undefined,
    });
    expect(violated(() => parseCreateService(req))).toEqual([
      'service.closing_time',
      'service.opening_time',
      'service.price',
      'service.time_zone',
    ]);
  });

  it.each<[string, Partial<Service>, string[]]>([
    ['an empty name', { name: '' }, ['service.name']],
    ['a blank name', { name: '   ' }, ['service.name']],
    ['a 201-character name', { name: 'n'.repeat(201) }, ['service.name']],
    ['a name with a control character', { name: 'Dr.\u0007Bell' }, ['service.name']],
    ['an unknown time zone', { timeZone: 'Mars/Olympus' }, ['service.time_zone']],
    ['a fixed-offset-looking time zone', { timeZone: '+25:00' }, ['service.time_zone']],
    [
      'a negative price',
      { price: { amountMinor: -100, currencyCode: 'EUR' } },
      ['service.price.amount_minor'],
    ],
    [
      'a fractional price',
      { price: { amountMinor: 12.5, currencyCode: 'EUR' } },
      ['service.price.amount_minor'],
    ],
    [
      'a lowercase currency',
      { price: { amountMinor: 1, currencyCode: 'eur' } },
      ['service.price.currency_code'],
    ],
    [
      'an unknown currency',
      { price: { amountMinor: 1, currencyCode: 'ABC' } },
      ['service.price.currency_code'],
    ],
    [
      'a four-letter currency',
      { price: { amountMinor: 1, currencyCode: 'EURO' } },
      ['service.price.currency_code'],
    ],
    ['an empty currency', { price: { amountMinor: 1, currencyCode: '' } }, ['service.price.currency_code']],
    ['hours 25', { openingTime: timeOfDay(25) }, ['service.opening_time']],
    ['hours 24 for opening', { openingTime: timeOfDay(24) }, ['service.opening_time']],
    ['24:30 for closing', { closingTime: timeOfDay(24, 30) }, ['service.closing_time']],
    ['minutes 60', { closingTime: timeOfDay(17, 60) }, ['service.closing_time']],
    ['negative minutes', { openingTime: timeOfDay(9, -1) }, ['service.opening_time']],
    ['seconds 5', { openingTime: { hours: 9, minutes: 0, seconds: 5, nanos: 0 } }, ['service.opening_time']],
    ['nanos', { closingTime: { hours: 17, minutes: 0, seconds: 0, nanos: 1 } }, ['service.closing_time']],
    [
      'closing before opening',
      { openingTime: timeOfDay(17), closingTime: timeOfDay(9) },
      ['service.closing_time'],
    ],
    [
      'closing at opening',
      { openingTime: timeOfDay(9), closingTime: timeOfDay(9) },
      ['service.closing_time'],
    ],
    ['slots shorter than 5 minutes', { slotDurationMinutes: 4 }, ['service.slot_duration_minutes']],
    ['slots longer than a day', { slotDurationMinutes: 1441 }, ['service.slot_duration_minutes']],
    ['no slot duration', { slotDurationMinutes: 0 }, ['service.slot_duration_minutes']],
    [
      'a slot longer than the opening hours',
      { openingTime: timeOfDay(9), closingTime: timeOfDay(9, 20), slotDurationMinutes: 30 },
      ['service.slot_duration_minutes'],
    ],
  ])('refuses %s', (_label, overrides, fields) => {
    expect(violated(() => parseCreateService(validService(overrides)))).toEqual(fields);
  });

  it('reports closing before opening together with other invalid fields', () => {
    const req = validService({
      name: '',
      openingTime: timeOfDay(17),
      closingTime: timeOfDay(9),
      price: { amountMinor: -1, currencyCode: 'ABC' },
    });
    expect(violated(() => parseCreateService(req))).toEqual([
      'service.closing_time',
      'service.name',
      'service.price.amount_minor',
      'service.price.currency_code',
    ]);
  });
});

describe.each([
  [
    'parseGetService',
    'service_id',
    (id: string) => parseGetService(GetServiceRequest.fromPartial({ serviceId: id })),
  ],
  [
    'parseGetAppointment',
    'appointment_id',
    (id: string) => parseGetAppointment(GetAppointmentRequest.fromPartial({ appointmentId: id })),
  ],
])('%s', (_name, field, parse) => {
  it('accepts a 24-character lowercase hex id', () => {
    expect(parse(ID)).toBe(ID);
  });

  it.each([...BAD_IDS, ['empty', '']])(`refuses an id that is %s, naming ${field}`, (_label, id) => {
    expect(violated(() => parse(id))).toEqual([field]);
  });
});

describe('parseListServices', () => {
  const parse = (req: Partial<ListServicesRequest>) =>
    parseListServices(ListServicesRequest.fromPartial(req));

  it('passes filters and token through', () => {
    expect(parse({ pageSize: 7, pageToken: 'abc', activeOnly: true, showDeleted: true })).toEqual({
      activeOnly: true,
      showDeleted: true,
      pageSize: 7,
      pageToken: 'abc',
    });
  });

  it.each([
    [0, 20],
    [1, 1],
    [100, 100],
    [101, 100],
    [2_000_000_000, 100],
  ])('takes page_size %i as %i', (given, used) => {
    expect(parse({ pageSize: given }).pageSize).toBe(used);
  });

  it('refuses a negative page_size', () => {
    expect(violated(() => parse({ pageSize: -1 }))).toEqual(['page_size']);
  });
});

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

  it.each([
    [0, 100],
    [500, 500],
    [501, 500],
  ])('takes page_size %i as %i', (given, used) => {
    expect(parse({ pageSize: given }).pageSize).toBe(used);
  });

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

describe('parseBookSlot', () => {
  const parse = (req: Partial<BookSlotRequest>) =>
    parseBookSlot(BookSlotRequest.fromPartial({ slotId: ID, userId: 'user-1', ...req }));

  it('reads party_size 0 (not sent) as 1, and refuses a negative one or more than 1000', () => {
    expect(parse({}).party).toBe(1);
    expect(parse({ partySize: 3 }).party).toBe(3);
    expect(violated(() => parse({ partySize: -1 }))).toEqual(['party_size']);
    expect(violated(() => parse({ partySize: 1001 }))).toEqual(['party_size']);
    const hold = (partySize: number) =>
      parseHoldSlot(HoldSlotRequest.fromPartial({ slotId: ID, userId: 'u', partySize }));
    expect(hold(0).party).toBe(1);
    expect(hold(4).party).toBe(4);
    expect(violated(() => hold(-5))).toEqual(['party_size']);
  });

  it('accepts a request without a service and with one', () => {
    expect(parse({})).toMatchObject({ slotId: ID, userId: 'user-1', serviceId: null });
    expect(parse({ serviceId: ID })).toMatchObject({ slotId: ID, userId: 'user-1', serviceId: ID });
  });

  it.each(['u', 'alice@example.com', 'auth0|5f1c', 'tenant:42.user+x_y-z', 'U'.repeat(128)])(
    'accepts the user id %s',
    (userId) => {
      expect(parse({ userId }).userId).toBe(userId);
    },
  );

  it.each([
    ['empty', ''],
    ['with spaces', 'has space'],
    ['200 characters', 'u'.repeat(200)],
    ['129 characters', 'u'.repeat(129)],
    ['starting with punctuation', '-user'],
    ['with a slash', 'a/b'],
    ['with a newline', 'user\n'],
  ])('refuses a user id %s', (_label, userId) => {
    expect(violated(() => parse({ userId }))).toEqual(['user_id']);
  });

  it.each(BAD_IDS)('refuses a slot id that is %s', (_label, slotId) => {
    expect(violated(() => parse({ slotId }))).toEqual(['slot_id']);
  });

  it('reports every invalid field at once', () => {
    expect(violated(() => parse({ slotId: 'xyz', userId: 'has space', serviceId: `${ID}0` }))).toEqual([
      'service_id',
      'slot_id',
      'user_id',
    ]);
  });
});

describe('parseCancelAppointment', () => {
  const parse = (req: Partial<CancelAppointmentRequest>) =>
    parseCancelAppointment(
      CancelAppointmentRequest.fromPartial({ appointmentId: ID, userId: 'user-1', ...req }),
    );

  it('accepts a request with and without a reason', () => {
    expect(parse({})).toMatchObject({ appointmentId: ID, userId: 'user-1', reason: '' });
    expect(parse({ reason: 'r'.repeat(500) }).reason).toHaveLength(500);
    expect(parse({ reason: 'Sick – sorry!\nSee you' }).reason).toBe('Sick – sorry!\nSee you');
  });

  it('counts the reason in characters, not UTF-16 units', () => {
    expect(() => parse({ reason: '😀'.repeat(500) })).not.toThrow();
    expect(violated(() => parse({ reason: '😀'.repeat(501) }))).toEqual(['reason']);
  });

  it('refuses a reason over 500 characters or with control characters', () => {
    expect(violated(() => parse({ reason: 'r'.repeat(501) }))).toEqual(['reason']);
    expect(violated(() => parse({ reason: 'bell\u0007' }))).toEqual(['reason']);
  });

  it('reports every invalid field at once', () => {
    expect(
      violated(() => parse({ appointmentId: '', userId: 'u'.repeat(200), reason: 'r'.repeat(501) })),
    ).toEqual(['appointment_id', 'reason', 'user_id']);
  });
});

describe('parseListAppointments', () => {
  const parse = (req: Partial<ListAppointmentsRequest>) =>
    parseListAppointments(ListAppointmentsRequest.fromPartial({ userId: 'user-1', ...req }));

  it('accepts a valid request', () => {
    expect(
      parse({ status: AppointmentStatus.APPOINTMENT_STATUS_CANCELLED, pageSize: 3, pageToken: 't' }),
    ).toEqual({
      userId: 'user-1',
      status: 'CANCELLED',
      pageSize: 3,
      pageToken: 't',
    });
    expect(parse({ status: AppointmentStatus.APPOINTMENT_STATUS_CONFIRMED }).status).toBe('CONFIRMED');
    expect(parse({}).status).toBeNull();
  });

  it.each([
    [0, 20],
    [100, 100],
    [101, 100],
  ])('takes page_size %i as %i', (given, used) => {
    expect(parse({ pageSize: given }).pageSize).toBe(used);
  });

  it('reports every invalid field at once', () => {
    expect(violated(() => parse({ userId: 'a b', status: 7 as AppointmentStatus, pageSize: -5 }))).toEqual([
      'page_size',
      'status',
      'user_id',
    ]);
  });
});

describe('request_id and hold_token', () => {
  const TOKEN = `${ID}.${'A'.repeat(22)}`;

  it('accepts an optional request id of 1 to 64 URL-safe characters (a UUID fits)', () => {
    const book = (requestId: string) =>
      parseBookSlot(BookSlotRequest.fromPartial({ slotId: ID, userId: 'u', requestId })).requestId;
    expect(book('')).toBe('');
    expect(book('3f2c1a9e-8b7d-4c6e-9f0a-1b2c3d4e5f60')).toBe('3f2c1a9e-8b7d-4c6e-9f0a-1b2c3d4e5f60');
    expect(book('r'.repeat(64))).toHaveLength(64);
  });

  it.each([
    ['65 characters', 'r'.repeat(65)],
    ['with a space', 'a b'],
    ['with a slash', 'a/b'],
  ])('refuses a request id %s on every RPC that takes one', (_label, requestId) => {
    expect(
      violated(() => parseBookSlot(BookSlotRequest.fromPartial({ slotId: ID, userId: 'u', requestId }))),
    ).toEqual(['request_id']);
    expect(
      violated(() =>
        parseCancelAppointment(
          CancelAppointmentRequest.fromPartial({ appointmentId: ID, userId: 'u', requestId }),
        ),
      ),
    ).toEqual(['request_id']);
    expect(
      violated(() => parseHoldSlot(HoldSlotRequest.fromPartial({ slotId: ID, userId: 'u', requestId }))),
    ).toEqual(['request_id']);
    expect(
      violated(() =>
        parseRescheduleAppointment(
          RescheduleAppointmentRequest.fromPartial({
            appointmentId: ID,
            userId: 'u',
            newSlotId: ID,
            requestId,
          }),
        ),
      ),
    ).toEqual(['request_id']);
  });

  it('takes an optional hold token on BookSlot, and refuses one HoldSlot cannot have issued', () => {
    const book = (holdToken: string) =>
      parseBookSlot(BookSlotRequest.fromPartial({ slotId: ID, userId: 'u', holdToken }));
    expect(book('').hold).toBeNull();
    expect(book(TOKEN).hold).toEqual({ holdId: ID, secret: 'A'.repeat(22) });
    for (const bad of ['nope', `${ID}.short`, `${ID.toUpperCase()}.${'A'.repeat(22)}`, `${TOKEN}x`]) {
      expect(violated(() => book(bad))).toEqual(['hold_token']);
    }
  });

  it('parseHoldSlot accepts a zero (default) or positive ttl and refuses a negative one', () => {
    const hold = (ttlSeconds: number, rest: Partial<HoldSlotRequest> = {}) =>
      parseHoldSlot(HoldSlotRequest.fromPartial({ slotId: ID, userId: 'u', ttlSeconds, ...rest }));
    expect(hold(0)).toMatchObject({ slotId: ID, userId: 'u', ttlSeconds: 0 });
    expect(hold(60).ttlSeconds).toBe(60);
    expect(violated(() => hold(-1))).toEqual(['ttl_seconds']);
    expect(violated(() => hold(-1, { slotId: 'xyz', userId: '' }))).toEqual([
      'slot_id',
      'ttl_seconds',
      'user_id',
    ]);
  });

  it('parseReleaseHold requires a hold token and a user', () => {
    expect(parseReleaseHold(ReleaseHoldRequest.fromPartial({ holdToken: TOKEN, userId: 'u' }))).toEqual({
      hold: { holdId: ID, secret: 'A'.repeat(22) },
      userId: 'u',
    });
    expect(violated(() => parseReleaseHold(ReleaseHoldRequest.fromPartial({})))).toEqual([
      'hold_token',
      'user_id',
    ]);
  });

  it('parseRescheduleAppointment checks every id and the user at once', () => {
    expect(
      parseRescheduleAppointment(
        RescheduleAppointmentRequest.fromPartial({ appointmentId: ID, userId: 'u', newSlotId: ID }),
      ),
    ).toMatchObject({ appointmentId: ID, userId: 'u', newSlotId: ID });
    expect(
      violated(() =>
        parseRescheduleAppointment(
          RescheduleAppointmentRequest.fromPartial({ appointmentId: 'xyz', userId: 'a b', newSlotId: '' }),
        ),
      ),
    ).toEqual(['appointment_id', 'new_slot_id', 'user_id']);
  });
});

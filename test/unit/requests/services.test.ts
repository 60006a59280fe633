/**
 * Service requests: valid ones become commands; an invalid one is refused with
 * INVALID_ARGUMENT listing every invalid field at once.
 */
import { CreateServiceRequest, ListServicesRequest } from '../../../src/gen/booking/v1/booking_service';
import { type Service } from '../../../src/gen/booking/v1/resources';
import { parseCreateService, parseListServices } from '../../../src/rpc/requests';
import { timeOfDay } from '../../factories';
import { SERVICE_REFUSALS, type ServiceRefusal } from '../../support/service-refusals';
import { violated, itTakesPageSizes } from './refusal';

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

  it.each<ServiceRefusal>([
    ...SERVICE_REFUSALS,
    ['a 201-character name', { name: 'n'.repeat(201) }, ['service.name']],
    ['a name with a control character', { name: 'Dr.\u0007Bell' }, ['service.name']],
    ['a fixed-offset-looking time zone', { timeZone: '+25:00' }, ['service.time_zone']],
    [
      'a fractional price',
      { price: { amountMinor: 12.5, currencyCode: 'EUR' } },
      ['service.price.amount_minor'],
    ],
    [
      'a four-letter currency',
      { price: { amountMinor: 1, currencyCode: 'EURO' } },
      ['service.price.currency_code'],
    ],
    ['an empty currency', { price: { amountMinor: 1, currencyCode: '' } }, ['service.price.currency_code']],
    ['hours 24 for opening', { openingTime: timeOfDay(24) }, ['service.opening_time']],
    ['24:30 for closing', { closingTime: timeOfDay(24, 30) }, ['service.closing_time']],
    ['negative minutes', { openingTime: timeOfDay(9, -1) }, ['service.opening_time']],
    ['nanos', { closingTime: { hours: 17, minutes: 0, seconds: 0, nanos: 1 } }, ['service.closing_time']],
    [
      'closing at opening',
      { openingTime: timeOfDay(9), closingTime: timeOfDay(9) },
      ['service.closing_time'],
    ],
    ['slots shorter than 5 minutes', { slotDurationMinutes: 4 }, ['service.slot_duration_minutes']],
    ['slots longer than a day', { slotDurationMinutes: 1441 }, ['service.slot_duration_minutes']],
    ['no slot duration', { slotDurationMinutes: 0 }, ['service.slot_duration_minutes']],
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

  itTakesPageSizes(parse, [
    [0, 20],
    [1, 1],
    [100, 100],
    [101, 100],
    [2_000_000_000, 100],
  ]);

  it('refuses a negative page_size', () => {
    expect(violated(() => parse({ pageSize: -1 }))).toEqual(['page_size']);
  });
});

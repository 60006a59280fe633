/**
 * Invalid input of CreateService, GetService and ListServices: refused, naming exactly the invalid fields,
 * changing nothing (fixture: test/support/invalid-input.ts).
 */
import { serviceInput, timeOfDay } from '../../factories';
import { api } from '../../support/file-app';
import { MALFORMED_IDS, refused, useInvalidInputFixture } from '../../support/invalid-input';

useInvalidInputFixture();

describe('CreateService', () => {
  it('names every invalid field at once', async () => {
    await refused(
      () =>
        api.createService({
          service: serviceInput({
            name: '',
            timeZone: 'Mars/Olympus',
            openingTime: timeOfDay(25),
            closingTime: timeOfDay(17, 60),
            price: { amountMinor: -1, currencyCode: 'eur' },
          }),
        }),
      [
        'service.closing_time',
        'service.name',
        'service.opening_time',
        'service.price.amount_minor',
        'service.price.currency_code',
        'service.time_zone',
      ],
    );
  });

  it.each<[string, Parameters<typeof serviceInput>[0], string[]]>([
    ['an empty name', { name: '' }, ['service.name']],
    ['a blank name', { name: '  \t ' }, ['service.name']],
    ['an unknown time zone', { timeZone: 'Mars/Olympus' }, ['service.time_zone']],
    ['hours 25', { openingTime: timeOfDay(25) }, ['service.opening_time']],
    ['minutes 60', { closingTime: timeOfDay(12, 60) }, ['service.closing_time']],
    ['seconds 5', { openingTime: { hours: 9, minutes: 0, seconds: 5, nanos: 0 } }, ['service.opening_time']],
    [
      'closing before opening',
      { openingTime: timeOfDay(17), closingTime: timeOfDay(9) },
      ['service.closing_time'],
    ],
    [
      'a negative price',
      { price: { amountMinor: -4500, currencyCode: 'EUR' } },
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
    ['no price', { price: undefined }, ['service.price']],
    ['a 4-minute slot', { slotDurationMinutes: 4 }, ['service.slot_duration_minutes']],
    [
      'a slot longer than the opening hours',
      { openingTime: timeOfDay(9), closingTime: timeOfDay(9, 30), slotDurationMinutes: 45 },
      ['service.slot_duration_minutes'],
    ],
  ])('refuses %s', async (_label, overrides, fields) => {
    await refused(() => api.createService({ service: serviceInput(overrides) }), fields);
  });

  it('refuses a request without a service', async () => {
    await refused(() => api.createService({}), ['service']);
  });
});

describe('GetService', () => {
  it.each(MALFORMED_IDS)('refuses a service_id that is %s', async (_label, id) => {
    await refused(() => api.getService({ serviceId: id }), ['service_id']);
  });
});

describe('ListServices', () => {
  it('refuses a negative page_size', async () => {
    await refused(() => api.listServices({ pageSize: -1 }), ['page_size']);
  });

  it('refuses a malformed page token', async () => {
    await refused(() => api.listServices({ pageToken: 'not a token' }), ['page_token']);
  });
});

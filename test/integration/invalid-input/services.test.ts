/**
 * Invalid input of CreateService, GetService and ListServices: refused, naming exactly the invalid fields,
 * changing nothing (fixture: test/support/invalid-input.ts).
 */
import { serviceInput, timeOfDay } from '../../factories';
import { api } from '../../support/file-app';
import { MALFORMED_IDS, refused, useInvalidInputFixture } from '../../support/invalid-input';
import { SERVICE_REFUSALS, type ServiceRefusal } from '../../support/service-refusals';

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

  it.each<ServiceRefusal>([
    ...SERVICE_REFUSALS,
    ['no price', { price: undefined }, ['service.price']],
    ['a 4-minute slot', { slotDurationMinutes: 4 }, ['service.slot_duration_minutes']],
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

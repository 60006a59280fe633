/**
 * Invalid input of GenerateSlots, ListSlots and SetSlotStatus: refused, naming exactly the invalid fields,
 * changing nothing (fixture: test/support/invalid-input.ts).
 */
import { SlotStatus } from '../../../src/gen/booking/v1/resources';
import { localDate } from '../../factories';
import { api } from '../../support/file-app';
import { ID_LIKE, MALFORMED_IDS, refused, useInvalidInputFixture } from '../../support/invalid-input';
import * as fixture from '../../support/invalid-input';

useInvalidInputFixture();

describe('GenerateSlots', () => {
  it('names every invalid field at once, creating no slot', async () => {
    await refused(
      () => api.generateSlots({ serviceId: 'xyz', startDate: localDate(2027, 2, 30), endDate: undefined }),
      ['end_date', 'service_id', 'start_date'],
    );
  });

  it.each([
    ['more than 366 days', localDate(2027, 1, 1), localDate(2028, 1, 2)],
    ['an end before the start', localDate(2027, 5, 2), localDate(2027, 5, 1)],
    ['an impossible end date', localDate(2027, 5, 1), localDate(2027, 4, 31)],
  ])('refuses %s for an existing service, creating no slot', async (_label, startDate, endDate) => {
    await refused(
      () => api.generateSlots({ serviceId: fixture.serviceId, startDate, endDate }),
      ['end_date'],
    );
  });

  it('refuses an uppercase service id', async () => {
    await refused(
      () =>
        api.generateSlots({
          serviceId: fixture.serviceId.toUpperCase(),
          startDate: localDate(2027, 5, 1),
          endDate: localDate(2027, 5, 1),
        }),
      ['service_id'],
    );
  });
});

describe('ListSlots', () => {
  it('names every invalid field at once', async () => {
    await refused(
      () =>
        api.listSlots({
          serviceId: ID_LIKE.toUpperCase(),
          startTime: new Date('2027-05-02T00:00:00Z'),
          endTime: new Date('2027-05-01T00:00:00Z'),
          status: 9 as SlotStatus,
          pageSize: -1,
        }),
      ['end_time', 'page_size', 'service_id', 'status'],
    );
  });

  it('refuses a negative page_size for an existing service', async () => {
    await refused(() => api.listSlots({ serviceId: fixture.serviceId, pageSize: -10 }), ['page_size']);
  });
});

describe('SetSlotStatus', () => {
  it.each([
    ['SLOT_STATUS_BOOKED', SlotStatus.SLOT_STATUS_BOOKED],
    ['SLOT_STATUS_UNSPECIFIED', SlotStatus.SLOT_STATUS_UNSPECIFIED],
    ['an unknown value', 7 as SlotStatus],
  ])('refuses the status %s, leaving the slot alone', async (_label, to) => {
    await refused(() => api.setSlotStatus({ slotId: fixture.slotIds[1]!, status: to }), ['status']);
  });

  it.each(MALFORMED_IDS)('refuses a slot_id that is %s', async (_label, id) => {
    await refused(
      () => api.setSlotStatus({ slotId: id, status: SlotStatus.SLOT_STATUS_LOCKED }),
      ['slot_id'],
    );
  });

  it('names a bad slot_id and a bad status at once', async () => {
    await refused(
      () => api.setSlotStatus({ slotId: 'xyz', status: SlotStatus.SLOT_STATUS_UNSPECIFIED }),
      ['slot_id', 'status'],
    );
  });
});

/**
 * Every RPC refuses invalid input with INVALID_ARGUMENT (reason
 * INVALID_ARGUMENT) and a BadRequest naming exactly the invalid fields, before
 * anything is read or written: the database is left exactly as it was.
 */
import { status } from '@grpc/grpc-js';
import { AppointmentStatus, SlotStatus } from '../../src/gen/booking/v1/resources';
import { localDate, serviceInput, serviceWithSlots, timeOfDay } from '../factories';
import { failure, rpc, startTestApp, violatedFields, type Rpc, type TestApp } from '../support/harness';

let t: TestApp;
let api: Rpc;
let serviceId: string;
let slotIds: string[];
let appointmentId: string;
const OWNER = 'owner-1';

beforeAll(async () => {
  t = await startTestApp();
  api = rpc(t.client);
  ({
    service: { id: serviceId },
    slotIds,
  } = await serviceWithSlots(api));
  const { appointment } = await api.bookSlot({ slotId: slotIds[0]!, userId: OWNER });
  appointmentId = appointment!.id;
});
afterAll(() => t.stop());

/** Every document of every collection, to prove a refused call changed nothing. */
async function storedState(): Promise<Record<string, unknown[]>> {
  const names = (await t.db.listCollections()).map((c) => c.name).sort();
  expect(names).toEqual(expect.arrayContaining(['appointments', 'services', 'slots']));
  const state: Record<string, unknown[]> = {};
  for (const name of names) state[name] = await t.db.collection(name).find({}).sort({ _id: 1 }).toArray();
  return state;
}

/** Runs a call that must be refused as invalid, naming exactly `fields`, and changing nothing. */
async function refused(run: () => Promise<unknown>, fields: string[]): Promise<void> {
  const before = await storedState();
  const e = await failure(run());
  expect(e.code).toBe(status.INVALID_ARGUMENT);
  expect(e.reason).toBe('INVALID_ARGUMENT');
  expect(violatedFields(e)).toEqual([...fields].sort());
  for (const v of e.fieldViolations) expect(v.description).not.toBe('');
  const after = await storedState();
  const counts = (state: Record<string, unknown[]>) =>
    Object.fromEntries(Object.entries(state).map(([name, docs]) => [name, docs.length]));
  expect(counts(after)).toEqual(counts(before));
  expect(after).toEqual(before);
}

const ID_LIKE = '65f0c0ffee0000000000abcd';
const MALFORMED_IDS: [string, string][] = [
  ['not hex', 'xyz'],
  ['uppercase hex', ID_LIKE.toUpperCase()],
  ['25 characters', `${ID_LIKE}0`],
  ['empty', ''],
];

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
    await refused(() => api.generateSlots({ serviceId, startDate, endDate }), ['end_date']);
  });

  it('refuses an uppercase service id', async () => {
    await refused(
      () =>
        api.generateSlots({
          serviceId: serviceId.toUpperCase(),
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
    await refused(() => api.listSlots({ serviceId, pageSize: -10 }), ['page_size']);
  });
});

describe('SetSlotStatus', () => {
  it.each([
    ['SLOT_STATUS_BOOKED', SlotStatus.SLOT_STATUS_BOOKED],
    ['SLOT_STATUS_UNSPECIFIED', SlotStatus.SLOT_STATUS_UNSPECIFIED],
    ['an unknown value', 7 as SlotStatus],
  ])('refuses the status %s, leaving the slot alone', async (_label, to) => {
    await refused(() => api.setSlotStatus({ slotId: slotIds[1]!, status: to }), ['status']);
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

describe('BookSlot', () => {
  it.each([
    ['with spaces', 'john doe'],
    ['of 200 characters', 'u'.repeat(200)],
    ['empty', ''],
    ['starting with a dot', '.hidden'],
  ])('refuses a user_id %s, booking nothing', async (_label, userId) => {
    await refused(() => api.bookSlot({ slotId: slotIds[2]!, userId }), ['user_id']);
  });

  it.each(MALFORMED_IDS)('refuses a slot_id that is %s', async (_label, id) => {
    await refused(() => api.bookSlot({ slotId: id, userId: 'user-1' }), ['slot_id']);
  });

  it('names every invalid field at once', async () => {
    await refused(
      () => api.bookSlot({ slotId: `${ID_LIKE}0`, userId: 'has space', serviceId: serviceId.toUpperCase() }),
      ['service_id', 'slot_id', 'user_id'],
    );
  });

  it('refuses a malformed service_id for an existing slot, booking nothing', async () => {
    await refused(
      () => api.bookSlot({ slotId: slotIds[2]!, userId: 'user-1', serviceId: 'xyz' }),
      ['service_id'],
    );
  });
});

describe('CancelAppointment', () => {
  it('refuses a reason over 500 characters, even from the owner, cancelling nothing', async () => {
    await refused(
      () => api.cancelAppointment({ appointmentId, userId: OWNER, reason: 'r'.repeat(501) }),
      ['reason'],
    );
  });

  it('names every invalid field at once', async () => {
    await refused(
      () => api.cancelAppointment({ appointmentId: 'xyz', userId: 'u'.repeat(200), reason: 'r'.repeat(501) }),
      ['appointment_id', 'reason', 'user_id'],
    );
  });

  it.each(MALFORMED_IDS)('refuses an appointment_id that is %s', async (_label, id) => {
    await refused(() => api.cancelAppointment({ appointmentId: id, userId: OWNER }), ['appointment_id']);
  });

  it('refuses a user_id with spaces', async () => {
    await refused(() => api.cancelAppointment({ appointmentId, userId: 'own er' }), ['user_id']);
  });
});

describe('GetAppointment', () => {
  it.each(MALFORMED_IDS)('refuses an appointment_id that is %s', async (_label, id) => {
    await refused(() => api.getAppointment({ appointmentId: id }), ['appointment_id']);
  });
});

describe('ListAppointments', () => {
  it('names every invalid field at once', async () => {
    await refused(
      () => api.listAppointments({ userId: 'has space', status: 9 as AppointmentStatus, pageSize: -1 }),
      ['page_size', 'status', 'user_id'],
    );
  });

  it.each([
    ['of 200 characters', 'u'.repeat(200)],
    ['empty', ''],
  ])('refuses a user_id %s', async (_label, userId) => {
    await refused(() => api.listAppointments({ userId }), ['user_id']);
  });

  it('refuses a negative page_size', async () => {
    await refused(
      () =>
        api.listAppointments({
          userId: OWNER,
          status: AppointmentStatus.APPOINTMENT_STATUS_CONFIRMED,
          pageSize: -3,
        }),
      ['page_size'],
    );
  });
});

describe('BookSlot and CancelAppointment: hold token and request id', () => {
  it('refuses a malformed hold_token and an overlong request_id on BookSlot, booking nothing', async () => {
    await refused(
      () =>
        api.bookSlot({ slotId: slotIds[2]!, userId: 'user-1', holdToken: 'nope', requestId: 'r'.repeat(65) }),
      ['hold_token', 'request_id'],
    );
  });

  it('refuses a request_id with a slash on CancelAppointment, cancelling nothing', async () => {
    await refused(
      () => api.cancelAppointment({ appointmentId, userId: OWNER, requestId: 'a/b' }),
      ['request_id'],
    );
  });
});

describe('HoldSlot', () => {
  it('names every invalid field at once', async () => {
    await refused(
      () => api.holdSlot({ slotId: 'xyz', userId: 'a b', ttlSeconds: -1, requestId: 'has space' }),
      ['request_id', 'slot_id', 'ttl_seconds', 'user_id'],
    );
  });

  it('refuses a negative ttl_seconds for an existing slot, holding nothing', async () => {
    await refused(
      () => api.holdSlot({ slotId: slotIds[3]!, userId: 'user-1', ttlSeconds: -5 }),
      ['ttl_seconds'],
    );
  });
});

describe('ReleaseHold', () => {
  it('names a missing hold_token and user_id', async () => {
    await refused(() => api.releaseHold({ holdToken: '', userId: '' }), ['hold_token', 'user_id']);
  });

  it('refuses a hold_token that HoldSlot did not issue', async () => {
    await refused(() => api.releaseHold({ holdToken: `${ID_LIKE}.short`, userId: 'user-1' }), ['hold_token']);
  });
});

describe('RescheduleAppointment', () => {
  it('names every invalid field at once', async () => {
    await refused(
      () =>
        api.rescheduleAppointment({
          appointmentId: 'xyz',
          userId: '',
          newSlotId: `${ID_LIKE}0`,
          requestId: '!',
        }),
      ['appointment_id', 'new_slot_id', 'request_id', 'user_id'],
    );
  });

  it('refuses an uppercase new_slot_id for the owner’s appointment, moving nothing', async () => {
    await refused(
      () => api.rescheduleAppointment({ appointmentId, userId: OWNER, newSlotId: slotIds[4]!.toUpperCase() }),
      ['new_slot_id'],
    );
  });
});

describe('the fixture', () => {
  it('is valid: the same requests with the bad field fixed succeed', async () => {
    // Guards against refusals for the wrong reason: the baseline is accepted.
    await expect(api.getService({ serviceId })).resolves.toBeDefined();
    await expect(api.listSlots({ serviceId, pageSize: 1 })).resolves.toBeDefined();
    await expect(api.getAppointment({ appointmentId })).resolves.toBeDefined();
    await expect(api.listAppointments({ userId: OWNER })).resolves.toMatchObject({
      appointments: [expect.objectContaining({ id: appointmentId })],
    });
    const { appointment } = await api.bookSlot({ slotId: slotIds[2]!, userId: 'user-1', serviceId });
    await expect(
      api.cancelAppointment({ appointmentId: appointment!.id, userId: 'user-1', reason: 'r'.repeat(500) }),
    ).resolves.toBeDefined();
    await expect(
      api.setSlotStatus({ slotId: slotIds[1]!, status: SlotStatus.SLOT_STATUS_LOCKED }),
    ).resolves.toBeDefined();
    const held = await api.holdSlot({ slotId: slotIds[3]!, userId: 'user-1', ttlSeconds: 60 });
    await expect(api.releaseHold({ holdToken: held.holdToken, userId: 'user-1' })).resolves.toBeDefined();
    await expect(
      api.rescheduleAppointment({ appointmentId, userId: OWNER, newSlotId: slotIds[4]! }),
    ).resolves.toMatchObject({ appointment: { slotId: slotIds[4] } });
    await expect(
      api.generateSlots({ serviceId, startDate: localDate(2027, 1, 1), endDate: localDate(2028, 1, 1) }),
    ).resolves.toMatchObject({ createdCount: 366 * 16 });
  });
});

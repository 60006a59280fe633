/**
 * Lookups by id and appointment requests: valid ones become commands; an
 * invalid one is refused with INVALID_ARGUMENT listing every invalid field at once.
 */
import {
  BookSlotRequest,
  CancelAppointmentRequest,
  GetAppointmentRequest,
  GetServiceRequest,
  HoldSlotRequest,
  ListAppointmentsRequest,
} from '../../../src/gen/booking/v1/booking_service';
import { AppointmentStatus } from '../../../src/gen/booking/v1/resources';
import {
  parseBookSlot,
  parseCancelAppointment,
  parseGetAppointment,
  parseGetService,
  parseHoldSlot,
  parseListAppointments,
} from '../../../src/rpc/requests';
import { BAD_IDS, ID, violated, itTakesPageSizes } from './refusal';

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

  itTakesPageSizes(parse, [
    [0, 20],
    [100, 100],
    [101, 100],
  ]);

  it('reports every invalid field at once', () => {
    expect(violated(() => parse({ userId: 'a b', status: 7 as AppointmentStatus, pageSize: -5 }))).toEqual([
      'page_size',
      'status',
      'user_id',
    ]);
  });
});

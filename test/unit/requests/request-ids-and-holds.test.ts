/**
 * request_id (on every RPC that takes one), hold tokens, HoldSlot, ReleaseHold
 * and RescheduleAppointment.
 */
import {
  BookSlotRequest,
  CancelAppointmentRequest,
  HoldSlotRequest,
  ReleaseHoldRequest,
  RescheduleAppointmentRequest,
} from '../../../src/gen/booking/v1/booking_service';
import {
  parseBookSlot,
  parseCancelAppointment,
  parseHoldSlot,
  parseReleaseHold,
  parseRescheduleAppointment,
} from '../../../src/rpc/requests';
import { ID, violated } from './refusal';

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

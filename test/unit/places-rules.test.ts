import type { SlotRecord } from '../../src/domain/types';
import { refusalOf, slotOf, sumOf } from '../../src/use-cases/claims/places-rules';
import type { PlaceMember } from '../../src/use-cases/ports';

const AT = new Date('2030-01-01T10:00:00Z');
const slot = (capacity: number): SlotRecord => ({
  id: 'a'.repeat(24),
  serviceId: 'b'.repeat(24),
  startTime: AT,
  endTime: AT,
  status: 'AVAILABLE',
  appointmentId: null,
  holdId: null,
  holdExpiresAt: null,
  revision: 1,
  updatedAt: AT,
  capacity,
  placesTaken: 0,
  placesRev: 0,
  placesHeld: [],
});
const member = (
  claimId: string,
  userId: string,
  places: number,
  expiresAt: Date | null = null,
): PlaceMember => ({
  claimId,
  userId,
  places,
  expiresAt,
  since: AT,
});
const join = (userId: string, places: number) => ({ claimId: 'new', userId, places, expiresAt: null });

describe('refusalOf (who may join a slot of several places)', () => {
  const members = [member('c1', 'alice', 2), member('c2', 'bob', 1)];

  it('admits a party that fits, up to exactly the capacity', () => {
    expect(refusalOf(members, slot(5), join('carol', 2))).toBeNull();
    expect(sumOf([...members, member('new', 'carol', 2)])).toBe(5);
  });

  it('refuses a second claim of the same user: ALREADY_BOOKED', () => {
    expect(refusalOf(members, slot(10), join('alice', 1))?.reason).toBe('ALREADY_BOOKED');
  });

  it('refuses a party larger than the places left: NOT_ENOUGH_PLACES with placesLeft', () => {
    const e = refusalOf(members, slot(4), join('carol', 2));
    expect([e?.reason, e?.metadata.placesLeft]).toEqual(['NOT_ENOUGH_PLACES', '1']);
  });

  it('refuses anyone once no place is left: SLOT_FULL', () => {
    const e = refusalOf(members, slot(3), join('carol', 1));
    expect([e?.reason, e?.metadata.placesLeft]).toEqual(['SLOT_FULL', '0']);
  });

  it('slotOf shows the entry: places taken, the holds among them, BOOKED when full', () => {
    const until = new Date(AT.getTime() + 60_000);
    const entry = {
      slotId: 'a'.repeat(24),
      n: 4,
      capacity: 3,
      members: [member('c1', 'alice', 2), member('h1', 'dan', 1, until)],
      at: AT,
    };
    expect(slotOf(slot(3), entry)).toMatchObject({
      placesTaken: 3,
      placesRev: 4,
      placesHeld: [{ places: 1, expiresAt: until }],
      status: 'BOOKED',
    });
    expect(slotOf(slot(4), { ...entry, capacity: 4 }).status).toBe('AVAILABLE');
  });
});

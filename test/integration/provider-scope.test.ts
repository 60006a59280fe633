/**
 * Providers manage their own services (authentication on, `provider` tokens):
 * what a provider creates is its own; it cannot create for, or manage the
 * services of, another provider or the platform (PERMISSION_DENIED,
 * NOT_SERVICE_OWNER, nothing changed); only the platform admin gives a
 * service to another provider. The full RPC x caller matrix is in
 * auth/roles.test.ts.
 */
import type { Metadata } from '@grpc/grpc-js';
import { status } from '@grpc/grpc-js';
import { Types } from 'mongoose';
import { SlotStatus } from '../../src/gen/booking/v1/resources';
import { futureDate, listAllSlots, serviceInput } from '../factories';
import { failure, rpc, startTestApp, type Rpc, type TestApp } from '../support/harness';
import { bearer, hsAuthEnv, hsToken, newHsAuth } from '../support/tokens';

const auth = newHsAuth();
let t: TestApp;
let api: Rpc;
const md: Record<'admin' | 'clinicA' | 'clinicB', Metadata> = {} as never;

beforeAll(async () => {
  t = await startTestApp({ ...hsAuthEnv(auth), RECONCILER_ENABLED: 'false' });
  api = rpc(t.client);
  md.admin = bearer(await hsToken(auth, { subject: 'ops', roles: ['admin'] }));
  md.clinicA = bearer(await hsToken(auth, { subject: 'clinic-a', roles: ['provider'] }));
  md.clinicB = bearer(await hsToken(auth, { subject: 'clinic-b', roles: ['provider'] }));
});
afterAll(() => t.stop());

const services = () => t.db.collection('services');

async function notOwner(call: Promise<unknown>): Promise<void> {
  const err = await failure(call);
  expect({ code: err.code, reason: err.reason }).toEqual({
    code: status.PERMISSION_DENIED,
    reason: 'NOT_SERVICE_OWNER',
  });
}

describe('CreateService by a provider', () => {
  it('owns what it creates, whether it names itself or no one', async () => {
    const unnamed = await api.createService({ service: serviceInput() }, md.clinicA);
    const named = await api.createService({ service: serviceInput({ providerId: 'clinic-a' }) }, md.clinicA);
    expect([unnamed.service!.providerId, named.service!.providerId]).toEqual(['clinic-a', 'clinic-a']);
    const stored = await services().findOne({ _id: new Types.ObjectId(unnamed.service!.id) });
    expect(stored?.providerId).toBe('clinic-a');
  });

  it('cannot create a service for another provider; nothing is stored', async () => {
    const before = await services().countDocuments();
    await notOwner(api.createService({ service: serviceInput({ providerId: 'clinic-b' }) }, md.clinicA));
    expect(await services().countDocuments()).toBe(before);
  });

  it('the platform admin creates for any provider, or for the platform (no provider)', async () => {
    const forB = await api.createService({ service: serviceInput({ providerId: 'clinic-b' }) }, md.admin);
    const own = await api.createService({ service: serviceInput() }, md.admin);
    expect([forB.service!.providerId, own.service!.providerId]).toEqual(['clinic-b', '']);
  });
});

describe("a provider and another provider's (or the platform's) service", () => {
  it('manages its own service end to end', async () => {
    const { service } = await api.createService({ service: serviceInput() }, md.clinicA);
    const day = futureDate(30);
    await api.generateSlots({ serviceId: service!.id, startDate: day, endDate: day }, md.clinicA);
    const [slot] = await listAllSlots({ listSlots: (r) => api.listSlots(r, md.clinicA) }, service!.id);
    await api.setSlotStatus({ slotId: slot!.id, status: SlotStatus.SLOT_STATUS_LOCKED }, md.clinicA);
    await api.setSlotStatus({ slotId: slot!.id, status: SlotStatus.SLOT_STATUS_AVAILABLE }, md.clinicA);
    const updated = await api.updateService(
      { service: { ...service!, active: false }, updateMask: ['active'] },
      md.clinicA,
    );
    expect(updated.lockedSlotCount).toBe(16);
    const archived = await api.deleteService({ serviceId: service!.id }, md.clinicA);
    expect(archived.service!.deleteTime).toBeInstanceOf(Date);
  });

  it.each([
    ['another provider', 'clinic-b'],
    ['the platform', ''],
  ])("cannot change %s's service, nor its slots; nothing changes", async (_whose, owner) => {
    const { service } = await api.createService({ service: serviceInput({ providerId: owner }) }, md.admin);
    const day = futureDate(31);
    await api.generateSlots({ serviceId: service!.id, startDate: day, endDate: day }, md.admin);
    const [slot] = await listAllSlots({ listSlots: (r) => api.listSlots(r, md.admin) }, service!.id);
    const before = await t.db
      .collection('slots')
      .find({ serviceId: new Types.ObjectId(service!.id) })
      .toArray();
    await notOwner(
      api.updateService({ service: { ...service!, name: 'mine now' }, updateMask: ['name'] }, md.clinicA),
    );
    await notOwner(api.deleteService({ serviceId: service!.id }, md.clinicA));
    await notOwner(
      api.generateSlots(
        { serviceId: service!.id, startDate: futureDate(32), endDate: futureDate(32) },
        md.clinicA,
      ),
    );
    await notOwner(
      api.setSlotStatus({ slotId: slot!.id, status: SlotStatus.SLOT_STATUS_LOCKED }, md.clinicA),
    );
    expect((await api.getService({ serviceId: service!.id }, md.clinicA)).service).toEqual(service);
    expect(
      await t.db
        .collection('slots')
        .find({ serviceId: new Types.ObjectId(service!.id) })
        .toArray(),
    ).toEqual(before);
  });

  it('an unknown slot is NOT_FOUND for a provider too (no permission answer about nothing)', async () => {
    const err = await failure(
      api.setSlotStatus(
        { slotId: new Types.ObjectId().toHexString(), status: SlotStatus.SLOT_STATUS_LOCKED },
        md.clinicA,
      ),
    );
    expect(err.reason).toBe('SLOT_NOT_FOUND');
  });
});

describe('ownership changes', () => {
  it('only the platform admin gives a service to another provider; then the new owner manages it', async () => {
    const { service } = await api.createService({ service: serviceInput() }, md.clinicA);
    // Not even to itself: a provider never names provider_id in a mask.
    await notOwner(
      api.updateService(
        { service: { ...service!, providerId: 'clinic-b' }, updateMask: ['provider_id'] },
        md.clinicA,
      ),
    );
    await notOwner(
      api.updateService(
        { service: { ...service!, providerId: 'clinic-a' }, updateMask: ['provider_id'] },
        md.clinicA,
      ),
    );
    const moved = await api.updateService(
      { service: { ...service!, providerId: 'clinic-b' }, updateMask: ['provider_id'] },
      md.admin,
    );
    expect(moved.service!.providerId).toBe('clinic-b');
    await notOwner(
      api.updateService({ service: { ...moved.service!, name: 'A' }, updateMask: ['name'] }, md.clinicA),
    );
    const renamed = await api.updateService(
      { service: { ...moved.service!, name: 'B' }, updateMask: ['name'] },
      md.clinicB,
    );
    expect(renamed.service!.name).toBe('B');
  });
});

import type { Principal } from '../../src/domain/principal';
import { ADMIN, booking, definition, expectRefused, serviceWithSlots } from './given';

const update = (serviceId: string, patch: object, paths: string[], etag: number | null = null) => ({
  serviceId,
  patch,
  paths,
  etag,
});

describe('blocked slots (SetSlotStatus)', () => {
  it('a blocked slot refuses bookings and holds; unblocked, it takes them again', async () => {
    const { uc, slotIds, slot } = await serviceWithSlots();
    const slotId = slotIds[0]!;
    expect(await uc.setSlotStatus(ADMIN, slotId, 'LOCKED')).toMatchObject({ status: 'LOCKED' });
    expect(await slot(slotId)).toMatchObject({ status: 'LOCKED', blockedBy: 'PROVIDER' });
    await expectRefused(uc.bookSlot(booking(slotId, 'alice')), 'SLOT_UNAVAILABLE', {
      slotId,
      status: 'LOCKED',
    });
    await expectRefused(
      uc.holdSlot({ slotId, userId: 'alice', ttlSeconds: 60, requestId: '', party: 1 }),
      'SLOT_UNAVAILABLE',
    );
    await uc.setSlotStatus(ADMIN, slotId, 'AVAILABLE');
    expect((await uc.bookSlot(booking(slotId, 'alice'))).appointment.status).toBe('CONFIRMED');
    // A booked slot cannot be blocked under its appointment.
    await expectRefused(uc.setSlotStatus(ADMIN, slotId, 'LOCKED'), 'SLOT_BOOKED');
  });

  it('only the platform or the owning provider may block', async () => {
    const { uc, slotIds } = await serviceWithSlots();
    const stranger: Principal = { subject: 'prov-2', roles: new Set(['provider']) };
    await expectRefused(uc.setSlotStatus(stranger, slotIds[0]!, 'LOCKED'), 'NOT_SERVICE_OWNER');
  });
});

describe('UpdateService', () => {
  it('changes only the fields the mask names, as the next revision (the etag)', async () => {
    const { uc, world, service } = await serviceWithSlots();
    const { service: written } = await uc.updateService(
      ADMIN,
      update(service.id, { name: 'Renamed' }, ['name'], service.revision),
    );
    expect(written).toMatchObject({ ...definition(), name: 'Renamed', revision: service.revision + 1 });
    expect(world.services.changes.at(-1)).toMatchObject({ by: ADMIN.subject, paths: ['name'] });
  });

  it('refuses a stale etag (SERVICE_CHANGED) and writes nothing', async () => {
    const { uc, service } = await serviceWithSlots();
    await uc.updateService(ADMIN, update(service.id, { name: 'First' }, ['name'], service.revision));
    await expectRefused(
      uc.updateService(ADMIN, update(service.id, { name: 'Second' }, ['name'], service.revision)),
      'SERVICE_CHANGED',
      { serviceId: service.id },
    );
    expect(await uc.getService(service.id)).toMatchObject({ name: 'First', revision: service.revision + 1 });
  });

  it('checks the service as a whole after the patch (cross-field rules), with precise field violations', async () => {
    const { uc, service } = await serviceWithSlots();
    const err = await expectRefused(
      uc.updateService(ADMIN, update(service.id, { openingMinute: 18 * 60 }, ['opening_time'])),
      'INVALID_ARGUMENT',
    );
    expect(err.violations.map((v) => v.field)).toEqual(['service.closing_time']);
    expect(await uc.getService(service.id)).toMatchObject({
      openingMinute: 9 * 60,
      revision: service.revision,
    });
  });

  it('turning a service off blocks its free future slots (SERVICE_INACTIVE); on again frees them', async () => {
    const { uc, service, slotIds, slot } = await serviceWithSlots();
    const booked = await uc.bookSlot(booking(slotIds[1]!, 'alice'));
    await uc.setSlotStatus(ADMIN, slotIds[2]!, 'LOCKED');
    const off = await uc.updateService(ADMIN, update(service.id, { active: false }, ['active']));
    expect(off).toMatchObject({ locked: slotIds.length - 2, unlocked: 0 });
    expect(await slot(slotIds[0]!)).toMatchObject({ status: 'LOCKED', blockedBy: 'SERVICE' });
    expect(await slot(slotIds[1]!)).toMatchObject({ status: 'BOOKED', appointmentId: booked.appointment.id });
    await expectRefused(uc.bookSlot(booking(slotIds[0]!, 'bob')), 'SERVICE_INACTIVE');

    const on = await uc.updateService(ADMIN, update(service.id, { active: true }, ['active']));
    expect(on).toMatchObject({ locked: 0, unlocked: slotIds.length - 2 });
    // The provider's own block stays.
    expect(await slot(slotIds[2]!)).toMatchObject({ status: 'LOCKED', blockedBy: 'PROVIDER' });
    expect((await uc.bookSlot(booking(slotIds[0]!, 'bob'))).appointment.userId).toBe('bob');
  });

  it('an archived service (DeleteService) takes no change, no bookings, no new slots', async () => {
    const { uc, world, service, slotIds } = await serviceWithSlots();
    const { service: archived, locked } = await uc.deleteService(ADMIN, {
      serviceId: service.id,
      etag: null,
    });
    expect(archived).toMatchObject({ active: false, deletedAt: world.clock() });
    expect(locked).toBe(slotIds.length);
    await expectRefused(
      uc.updateService(ADMIN, update(service.id, { name: 'x' }, ['name'])),
      'SERVICE_ARCHIVED',
    );
    world.time.advance(60_000);
    await expectRefused(uc.bookSlot(booking(slotIds[0]!, 'alice')), 'SERVICE_ARCHIVED');
    await expectRefused(
      uc.generateSlots(ADMIN, {
        serviceId: service.id,
        startDate: { year: 2030, month: 6, day: 11 },
        endDate: { year: 2030, month: 6, day: 11 },
      }),
      'SERVICE_ARCHIVED',
    );
  });
});

/**
 * Who may call what: every RPC against every kind of caller (admin, the
 * provider owning the service, another provider, service, user, a token
 * without roles, no token). Allowed calls succeed; refused ones are
 * PERMISSION_DENIED (ROLE_NOT_ALLOWED, or NOT_SERVICE_OWNER for another
 * provider's service) or UNAUTHENTICATED, and leave the database untouched.
 */
import * as grpc from '@grpc/grpc-js';
import { BookingServiceClient } from '../../../src/gen/booking/v1/booking_service';
import { SlotStatus } from '../../../src/gen/booking/v1/resources';
import { futureDate, serviceInput } from '../../factories';
import { AuthFixture, CALLERS, SUBJECT, type Caller } from '../../support/auth/fixture';
import { describeOutcome, outcome, type Outcome } from '../../support/outcomes';

const f = new AuthFixture();
// 16 slots a day: 128 fresh ones; the table uses about 50.
beforeAll(() => f.start(8));
afterAll(() => f.stop());

describe('who may call what: every RPC x every caller', () => {
  /** Builds the call (after any setup it needs) that `metadata` is then sent with. */
  type Send = (metadata: grpc.Metadata) => Promise<Outcome>;
  type Prepare = () => Send | Promise<Send>;
  /** A call on a slot nobody has touched yet. */
  const onFreshSlot =
    (call: (slotId: string, md: grpc.Metadata) => Promise<unknown>): Prepare =>
    () => {
      const slotId = f.freshSlot();
      return (md) => outcome(call(slotId, md));
    };
  let generatedDay = 50;
  const EVERYONE: Caller[] = ['admin', 'provider', 'other provider', 'service', 'user'];
  /** Catalog changes: the platform admin, and the provider owning the service. */
  const MANAGERS: Caller[] = ['admin', 'provider'];
  /** Appointments and holds: a user for itself, a service for any user. */
  const BOOKERS: Caller[] = ['service', 'user'];
  /**
   * `scoped`: a provider's right depends on owning the service, so another
   * provider is refused with NOT_SERVICE_OWNER rather than ROLE_NOT_ALLOWED.
   */
  const rpcs: { name: string; allowed: Caller[]; scoped?: boolean; prepare: Prepare }[] = [
    {
      name: 'CreateService',
      allowed: MANAGERS,
      scoped: true,
      // A service for the owning provider: only it and the platform admin may create that.
      prepare: () => (md) =>
        outcome(f.api.createService({ service: serviceInput({ providerId: SUBJECT.provider }) }, md)),
    },
    {
      name: 'GetService',
      allowed: EVERYONE,
      prepare: () => (md) => outcome(f.api.getService({ serviceId: f.serviceId }, md)),
    },
    {
      name: 'ListServices',
      allowed: EVERYONE,
      prepare: () => (md) => outcome(f.api.listServices({ pageSize: 10 }, md)),
    },
    {
      name: 'UpdateService',
      allowed: MANAGERS,
      scoped: true,
      prepare: () => (md) =>
        outcome(
          f.api.updateService(
            {
              service: { id: f.serviceId, description: `changed ${Math.random()}` },
              updateMask: ['description'],
            },
            md,
          ),
        ),
    },
    {
      name: 'DeleteService',
      allowed: MANAGERS,
      scoped: true,
      prepare: async () => {
        const created = await f.api.createService(
          { service: serviceInput({ providerId: SUBJECT.provider }) },
          f.as('admin'),
        );
        return (md) => outcome(f.api.deleteService({ serviceId: created.service!.id }, md));
      },
    },
    {
      name: 'GenerateSlots',
      allowed: MANAGERS,
      scoped: true,
      prepare: () => {
        const day = futureDate((generatedDay += 1));
        return (md) =>
          outcome(f.api.generateSlots({ serviceId: f.serviceId, startDate: day, endDate: day }, md));
      },
    },
    {
      name: 'ListSlots',
      allowed: EVERYONE,
      prepare: () => (md) => outcome(f.api.listSlots({ serviceId: f.serviceId, pageSize: 5 }, md)),
    },
    {
      name: 'SetSlotStatus',
      allowed: MANAGERS,
      scoped: true,
      prepare: onFreshSlot((slotId, md) =>
        f.api.setSlotStatus({ slotId, status: SlotStatus.SLOT_STATUS_LOCKED }, md),
      ),
    },
    {
      name: 'BookSlot',
      allowed: BOOKERS,
      prepare: onFreshSlot((slotId, md) => f.api.bookSlot({ slotId, userId: 'alice' }, md)),
    },
    {
      name: 'CancelAppointment',
      allowed: BOOKERS,
      prepare: async () => {
        const appointmentId = await f.bookFor('alice');
        return (md) =>
          outcome(f.api.cancelAppointment({ appointmentId, userId: 'alice', reason: 'test' }, md));
      },
    },
    {
      name: 'GetAppointment',
      allowed: BOOKERS,
      prepare: () => (md) => outcome(f.api.getAppointment({ appointmentId: f.aliceAppointmentId }, md)),
    },
    {
      name: 'ListAppointments',
      allowed: BOOKERS,
      prepare: () => (md) => outcome(f.api.listAppointments({ userId: 'alice' }, md)),
    },
    {
      name: 'HoldSlot',
      allowed: BOOKERS,
      prepare: onFreshSlot((slotId, md) => f.api.holdSlot({ slotId, userId: 'alice' }, md)),
    },
    {
      name: 'ReleaseHold',
      allowed: BOOKERS,
      prepare: async () => {
        const { holdToken } = await f.holdFor('alice');
        return (md) => outcome(f.api.releaseHold({ holdToken, userId: 'alice' }, md));
      },
    },
    {
      name: 'RescheduleAppointment',
      allowed: BOOKERS,
      prepare: async () => {
        const appointmentId = await f.bookFor('alice');
        const newSlotId = f.freshSlot();
        return (md) =>
          outcome(f.api.rescheduleAppointment({ appointmentId, userId: 'alice', newSlotId }, md));
      },
    },
    {
      name: 'WatchSlotAvailability',
      allowed: EVERYONE,
      prepare: () => (md) => f.watchOutcome(md),
    },
  ];

  it('covers every RPC of the service', () => {
    const methods = Object.keys(BookingServiceClient.service).map(
      (k) => k.charAt(0).toUpperCase() + k.slice(1),
    );
    expect(rpcs.map((r) => r.name).sort()).toEqual(methods.sort());
  });

  const cases = rpcs.flatMap((r) =>
    CALLERS.map((caller) => ({ ...r, caller, ok: r.allowed.includes(caller) })),
  );

  it.each(cases.filter((c) => c.ok))('$name by $caller: allowed, succeeds', async ({ prepare, caller }) => {
    const send = await prepare();
    const result = await send(f.as(caller));
    expect(describeOutcome(result)).toBe('OK');
  });

  it.each(cases.filter((c) => !c.ok))(
    '$name by $caller: refused, nothing stored or changed',
    async ({ prepare, caller, scoped }) => {
      const send = await prepare();
      const { result, before, after } = await f.around(() => send(f.as(caller)));
      if (caller === 'no token') {
        expect(result.code).toBe(grpc.status.UNAUTHENTICATED);
        expect(result.error).toMatchObject({
          reason: 'UNAUTHENTICATED',
          metadata: { why: 'MISSING_CREDENTIALS' },
        });
      } else {
        expect(result.code).toBe(grpc.status.PERMISSION_DENIED);
        expect(result.error?.reason).toBe(
          scoped && caller === 'other provider' ? 'NOT_SERVICE_OWNER' : 'ROLE_NOT_ALLOWED',
        );
      }
      expect(after).toEqual(before);
    },
  );
});

/**
 * Structured requests for every RPC: random and hostile field values mixed
 * with real ids, so that requests get past validation too.
 */
import fc from 'fast-check';
import { UPDATABLE_PATHS } from '../../../src/domain/service-patch';
import { futureDate, serviceInput } from '../../factories';
import { type Method } from './send';
import { anyString, date, enumValue, int32, int64, maybe, pageToken, timeOfDay, timestamp } from './values';

/** Ids of things that exist, for requests to name. */
export interface Pools {
  serviceIds: string[];
  /** Services UpdateService and DeleteService may change (and archive). */
  catalogServiceIds: string[];
  slotIds: string[];
  appointmentIds: string[];
  holdTokens: string[];
}

/** Structured request arbitraries per RPC (as DeepPartial objects for fromPartial). */
export function requestArbitraries(p: Pools): Record<Method, fc.Arbitrary<Record<string, unknown>>> {
  const id = (pool: string[]) =>
    fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(...pool) },
      { weight: 2, arbitrary: anyString },
      { weight: 1, arbitrary: fc.stringMatching(/^[0-9a-f]{24}$/) },
    );
  const userId = maybe('alice', fc.oneof(fc.constantFrom('bob', 'a|b', 'x@y.z'), anyString));
  const requestId = maybe('', fc.oneof(fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/), anyString));
  const holdToken = fc.oneof(fc.constantFrom(...p.holdTokens), anyString);
  const pageSize = maybe(0, int32);
  const page = maybe('', pageToken);
  const slotStatus = maybe(0, enumValue);
  const valid = serviceInput();
  const serviceFields = {
    name: maybe(valid.name, anyString),
    description: maybe(valid.description, anyString),
    address: maybe(valid.address, anyString),
    price: maybe(
      valid.price,
      fc.option(
        fc.record({
          amountMinor: int64,
          currencyCode: fc.oneof(fc.constantFrom('EUR', 'USD', 'XXX', 'eur', 'ABC', ''), anyString),
        }),
        { nil: undefined },
      ),
    ),
    timeZone: maybe(
      valid.timeZone,
      fc.oneof(
        fc.constantFrom('UTC', 'Etc/GMT+14', 'Europe/Berlin ', 'Mars/Olympus', 'America/Indiana/Knox'),
        anyString,
      ),
    ),
    openingTime: maybe(valid.openingTime, fc.option(timeOfDay, { nil: undefined })),
    closingTime: maybe(valid.closingTime, fc.option(timeOfDay, { nil: undefined })),
    slotDurationMinutes: maybe(valid.slotDurationMinutes, int32),
    active: fc.boolean(),
    createTime: timestamp,
    updateTime: timestamp,
    providerId: maybe('', fc.oneof(fc.constantFrom('clinic-1', 'a|b'), anyString)),
  };
  const service = fc.record({ id: maybe('', anyString), ...serviceFields });
  // UpdateService: a service of its own (toggling `active` on the others would starve the booking RPCs).
  const changed = fc.record({
    id: id(p.catalogServiceIds),
    etag: maybe('', fc.oneof(fc.constantFrom('0', '1', '2', '-1', '1.5', '999999999999999999'), anyString)),
    ...serviceFields,
  });
  const maskPath = fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(...UPDATABLE_PATHS, '*') },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        'id',
        'etag',
        'create_time',
        'delete_time',
        'opening_time.hours',
        'Name',
        '',
      ),
    },
    { weight: 1, arbitrary: anyString },
  );
  const day = futureDate(200);
  return {
    createService: fc.record({ service: fc.option(service, { nil: undefined, freq: 10 }) }),
    getService: fc.record({ serviceId: id(p.serviceIds) }),
    listServices: fc.record({
      pageSize,
      pageToken: page,
      activeOnly: fc.boolean(),
      showDeleted: fc.boolean(),
    }),
    updateService: fc.record({
      service: fc.option(changed, { nil: undefined, freq: 10 }),
      updateMask: fc.option(fc.array(maskPath, { maxLength: 3 }), { nil: undefined, freq: 6 }),
    }),
    deleteService: fc.record({
      serviceId: id(p.catalogServiceIds),
      etag: maybe('', fc.oneof(fc.constantFrom('0', '1', '2', '3', 'x'), anyString)),
    }),
    generateSlots: fc.record({
      serviceId: id(p.serviceIds),
      startDate: maybe(day, fc.option(date, { nil: undefined })),
      endDate: maybe(day, fc.option(date, { nil: undefined })),
    }),
    listSlots: fc.record({
      serviceId: id(p.serviceIds),
      startTime: timestamp,
      endTime: timestamp,
      status: slotStatus,
      pageSize,
      pageToken: page,
    }),
    setSlotStatus: fc.record({ slotId: id(p.slotIds), status: maybe(2, enumValue) }),
    bookSlot: fc.record({
      slotId: id(p.slotIds),
      userId,
      serviceId: fc.oneof(fc.constant(''), id(p.serviceIds)),
      holdToken: maybe('', holdToken),
      requestId,
    }),
    cancelAppointment: fc.record({
      appointmentId: id(p.appointmentIds),
      userId,
      reason: maybe('', anyString),
      requestId,
    }),
    holdSlot: fc.record({ slotId: id(p.slotIds), userId, ttlSeconds: maybe(0, int32), requestId }),
    releaseHold: fc.record({ holdToken, userId: maybe('bob', userId) }),
    rescheduleAppointment: fc.record({
      appointmentId: id(p.appointmentIds),
      userId,
      newSlotId: id(p.slotIds),
      requestId,
    }),
    getAppointment: fc.record({ appointmentId: id(p.appointmentIds) }),
    listAppointments: fc.record({ userId, status: slotStatus, pageSize, pageToken: page }),
    watchSlotAvailability: fc.record({
      serviceId: id(p.serviceIds),
      startTime: timestamp,
      endTime: timestamp,
      sinceRevision: maybe(0, int64),
      sendInitialSnapshot: fc.boolean(),
    }),
  };
}

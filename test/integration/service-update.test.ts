/**
 * UpdateService over gRPC (AIP-134 field masks): each path changes exactly its
 * field; an empty mask, unknown and output-only paths, and a result that is
 * not a valid service are INVALID_ARGUMENT with field violations and change
 * nothing; a stale etag is ABORTED / SERVICE_CHANGED. Races between updates:
 * service-update-races.test.ts.
 */
import { status } from '@grpc/grpc-js';
import { Types } from 'mongoose';
import type { Service } from '../../src/gen/booking/v1/resources';
import { createService, timeOfDay } from '../factories';
import { failure, violatedFields, type DecodedError, type Rpc } from '../support/harness';
import { api, t, useFileApp } from '../support/file-app';

useFileApp({ RECONCILER_ENABLED: 'false' });

const stored = (id: string) => t.db.collection('services').findOne({ _id: new Types.ObjectId(id) });

/** A service's fields a client can set, for comparing before and after. */
const settable = (s: Service) => ({
  name: s.name,
  description: s.description,
  address: s.address,
  price: s.price,
  timeZone: s.timeZone,
  openingTime: s.openingTime,
  closingTime: s.closingTime,
  slotDurationMinutes: s.slotDurationMinutes,
  active: s.active,
  providerId: s.providerId,
});

/** New values, each valid against the factory's service (09:00-17:00, 30 minutes). */
const CHANGES: [string, Partial<Service>, Partial<ReturnType<typeof settable>>][] = [
  ['name', { name: 'Renamed' }, { name: 'Renamed' }],
  ['description', { description: 'New text' }, { description: 'New text' }],
  ['address', { address: '2 High Street' }, { address: '2 High Street' }],
  [
    'price',
    { price: { amountMinor: 999, currencyCode: 'USD' } },
    { price: { amountMinor: 999, currencyCode: 'USD' } },
  ],
  [
    'price.amount_minor',
    { price: { amountMinor: 1, currencyCode: 'JPY' } },
    { price: { amountMinor: 1, currencyCode: 'EUR' } },
  ],
  [
    'price.currency_code',
    { price: { amountMinor: 1, currencyCode: 'JPY' } },
    { price: { amountMinor: 4500, currencyCode: 'JPY' } },
  ],
  ['time_zone', { timeZone: 'America/New_York' }, { timeZone: 'America/New_York' }],
  ['opening_time', { openingTime: timeOfDay(8, 30) }, { openingTime: timeOfDay(8, 30) }],
  ['closing_time', { closingTime: timeOfDay(24) }, { closingTime: timeOfDay(24) }],
  ['slot_duration_minutes', { slotDurationMinutes: 45 }, { slotDurationMinutes: 45 }],
  ['active', { active: false }, { active: false }],
  ['provider_id', { providerId: 'clinic-9' }, { providerId: 'clinic-9' }],
];

describe('field mask: only the named fields change', () => {
  it.each(CHANGES)('"%s"', async (path, values, expected) => {
    const before = await createService(api);
    // Every field of the request differs from the stored one; only the named one may be taken.
    const request = {
      ...before,
      name: 'not this',
      description: 'not this',
      address: 'not this',
      timeZone: 'Asia/Tokyo',
      slotDurationMinutes: 60,
      ...values,
    };
    const { service } = await api.updateService({ service: request, updateMask: [path] });
    expect(settable(service!)).toEqual({ ...settable(before), ...expected });
    expect(service!.updateTime!.getTime()).toBeGreaterThanOrEqual(before.updateTime!.getTime());
    expect(service!.createTime).toEqual(before.createTime);
    expect(service!.etag).not.toBe(before.etag);
    // As stored, and as read back.
    expect(settable((await api.getService({ serviceId: before.id })).service!)).toEqual(settable(service!));
  });

  it('"*" replaces every field but provider_id', async () => {
    const before = await createService(api, { providerId: 'clinic-1' });
    const wanted = { ...before, name: 'All new', timeZone: 'UTC', slotDurationMinutes: 20, providerId: 'x' };
    const { service } = await api.updateService({ service: wanted, updateMask: ['*'] });
    expect(settable(service!)).toEqual({ ...settable(wanted), providerId: 'clinic-1' });
  });

  it('records who changed which fields, one entry per revision', async () => {
    const before = await createService(api);
    const { service } = await api.updateService({
      service: { ...before, name: 'A', address: 'B' },
      updateMask: ['name', 'address'],
    });
    const entry = await t.db
      .collection('service_changes')
      .findOne({ _id: `${before.id}:${service!.etag}` } as never);
    expect(entry).toMatchObject({
      paths: ['name', 'address'],
      by: 'anonymous',
      revision: Number(service!.etag),
    });
  });
});

describe('refusals change nothing', () => {
  let service: Service;
  beforeAll(async () => {
    service = await createService(api);
  });

  async function refused(request: Parameters<Rpc['updateService']>[0]): Promise<DecodedError> {
    const before = await stored(service.id);
    const err = await failure(api.updateService(request));
    expect(await stored(service.id)).toEqual(before);
    return err;
  }

  it.each([[[] as string[]], [undefined]])(
    'an empty mask (%j): INVALID_ARGUMENT on update_mask',
    async (mask) => {
      const err = await refused({ service: { ...service, name: 'x' }, updateMask: mask });
      expect(err.code).toBe(status.INVALID_ARGUMENT);
      expect(violatedFields(err)).toEqual(['update_mask']);
    },
  );

  it.each(['nmae', 'opening_time.hours', 'slots', 'price.cents'])('an unknown path %j', async (path) => {
    const err = await refused({ service: { ...service, name: 'x' }, updateMask: ['name', path] });
    expect(err.code).toBe(status.INVALID_ARGUMENT);
    expect(err.fieldViolations).toEqual([
      { field: 'update_mask', description: `"${path}" is not a field of Service that can be updated` },
    ]);
  });

  it.each(['id', 'create_time', 'update_time', 'delete_time', 'etag'])(
    'the output-only path %j',
    async (path) => {
      const err = await refused({ service: { ...service, name: 'x' }, updateMask: [path] });
      expect(err.code).toBe(status.INVALID_ARGUMENT);
      expect(err.fieldViolations).toEqual([
        { field: 'update_mask', description: `"${path}" is output only and cannot be updated` },
      ]);
    },
  );

  it.each<[string, Partial<Service>, string[], string[]]>([
    [
      'closing before the stored opening',
      { closingTime: timeOfDay(8) },
      ['closing_time'],
      ['service.closing_time'],
    ],
    [
      'a slot longer than the stored hours',
      { slotDurationMinutes: 600 },
      ['slot_duration_minutes'],
      ['service.slot_duration_minutes'],
    ],
    ['an empty name', { name: '  ' }, ['name'], ['service.name']],
    ['an unknown time zone', { timeZone: 'Mars/Olympus' }, ['time_zone'], ['service.time_zone']],
    [
      'a malformed time and a bad currency at once',
      { openingTime: timeOfDay(25), price: { amountMinor: 1, currencyCode: 'eur' } },
      ['opening_time', 'price.currency_code'],
      ['service.opening_time', 'service.price.currency_code'],
    ],
  ])('a result that is not a valid service: %s', async (_what, values, mask, fields) => {
    const err = await refused({ service: { ...service, ...values }, updateMask: mask });
    expect(err.code).toBe(status.INVALID_ARGUMENT);
    expect(violatedFields(err)).toEqual(fields);
  });

  it('an unknown service: NOT_FOUND', async () => {
    const err = await failure(
      api.updateService({
        service: { ...service, id: new Types.ObjectId().toHexString() },
        updateMask: ['name'],
      }),
    );
    expect({ code: err.code, reason: err.reason }).toEqual({
      code: status.NOT_FOUND,
      reason: 'SERVICE_NOT_FOUND',
    });
  });

  it('a stale etag: ABORTED, SERVICE_CHANGED; the current one applies', async () => {
    const { service: now } = await api.getService({ serviceId: service.id });
    const err = await refused({
      service: { ...now!, name: 'x', etag: String(Number(now!.etag) - 1) },
      updateMask: ['name'],
    });
    expect({ code: err.code, reason: err.reason }).toEqual({
      code: status.ABORTED,
      reason: 'SERVICE_CHANGED',
    });
    const ok = await api.updateService({ service: { ...now!, name: 'with etag' }, updateMask: ['name'] });
    expect(ok.service!.name).toBe('with etag');
  });
});

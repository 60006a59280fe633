/**
 * Concurrent UpdateService calls on one service: no update is lost silently,
 * on FerretDB too, whose conditional update is not atomic (each update is
 * decided by inserting a unique `service_changes` entry for its revision):
 * racing on one etag, exactly one wins; racing without etags, every update
 * that answers OK is in the stored service, the others are ABORTED /
 * SERVICE_CHANGED.
 */
import { status } from '@grpc/grpc-js';
import { Types } from 'mongoose';
import type { Service } from '../../src/gen/booking/v1/resources';
import { createService, timeOfDay } from '../factories';
import { decodeError } from '../support/harness';
import { api, t, useFileApp } from '../support/file-app';

useFileApp({ RECONCILER_ENABLED: 'false' });

describe('concurrent updates', () => {
  it('with one etag: exactly one applies, the others are ABORTED / SERVICE_CHANGED', async () => {
    const service = await createService(api);
    const results = await Promise.allSettled(
      Array.from({ length: 12 }, (_, i) =>
        api.updateService({ service: { ...service, name: `racer ${i}` }, updateMask: ['name'] }),
      ),
    );
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r) => r.status === 'rejected').map((r) => decodeError(r.reason));
    expect(won).toHaveLength(1);
    expect(lost.map((e) => `${status[e.code]}/${e.reason}`)).toEqual(
      Array(11).fill('ABORTED/SERVICE_CHANGED'),
    );
    const winner = (won[0] as PromiseFulfilledResult<{ service?: Service }>).value.service!;
    expect((await api.getService({ serviceId: service.id })).service).toMatchObject({
      name: winner.name,
      etag: winner.etag,
    });
  });

  it('without etags: every update that answers OK is in the stored service, none silently lost', async () => {
    const service = await createService(api);
    const changes: [string, Partial<Service>][] = [
      ['name', { name: 'N' }],
      ['description', { description: 'D' }],
      ['address', { address: 'A' }],
      ['price.amount_minor', { price: { amountMinor: 7, currencyCode: 'EUR' } }],
      ['time_zone', { timeZone: 'UTC' }],
      ['slot_duration_minutes', { slotDurationMinutes: 20 }],
      ['provider_id', { providerId: 'clinic-3' }],
      ['closing_time', { closingTime: timeOfDay(18) }],
    ];
    const results = await Promise.allSettled(
      changes.map(([path, values]) =>
        api.updateService({ service: { ...service, ...values, etag: '' }, updateMask: [path] }),
      ),
    );
    const final = (await api.getService({ serviceId: service.id })).service!;
    const applied: string[] = [];
    results.forEach((r, i) => {
      if (r.status === 'rejected') {
        expect(`${status[decodeError(r.reason).code]}/${decodeError(r.reason).reason}`).toBe(
          'ABORTED/SERVICE_CHANGED',
        );
        return;
      }
      applied.push(changes[i]![0]);
      expect(final).toMatchObject(changes[i]![1]);
    });
    expect(applied.length).toBeGreaterThanOrEqual(1);
    // One revision per update that answered OK, each decided by its own entry.
    expect(Number(final.etag)).toBe(Number(service.etag) + applied.length);
    const entries = await t.db
      .collection('service_changes')
      .find({ serviceId: new Types.ObjectId(service.id) })
      .toArray();
    expect(
      entries
        .map((e) => e.paths as string[])
        .flat()
        .sort(),
    ).toEqual(applied.sort());
  });
});

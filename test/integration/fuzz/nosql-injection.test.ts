/**
 * NoSQL injection: operators in strings (ids, user ids, names, reasons,
 * page tokens) are refused or stored as text, never interpreted.
 */
import * as grpc from '@grpc/grpc-js';
import { AppointmentStatus } from '../../../src/gen/booking/v1/resources';
import { serviceInput, serviceWithSlots } from '../../factories';
import { FuzzApp } from '../../support/fuzz/app';
import { failure, violatedFields } from '../../support/harness';

const app = new FuzzApp();
beforeAll(() => app.start());
afterAll(() => app.stop());

describe('NoSQL injection: operators in strings are refused or stored as text', () => {
  let serviceId: string;
  let slotIds: string[];

  beforeAll(async () => {
    ({
      service: { id: serviceId },
      slotIds,
    } = await serviceWithSlots(app.api, {}, 45));
    await app.api.bookSlot({ slotId: slotIds[0]!, userId: 'nosql-u1' });
    await app.api.bookSlot({ slotId: slotIds[1]!, userId: 'nosql-u2' });
  });

  it.each(['{"$ne":null}', '$gt', '{"$gt":""}', '$where', '.*', '[object Object]'])(
    'ListAppointments with user_id %j is INVALID_ARGUMENT, and returns nobody’s appointments',
    async (userId) => {
      const err = await failure(app.api.listAppointments({ userId }));
      expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(violatedFields(err)).toEqual(['user_id']);
    },
  );

  it('a user id that looks like an alternation matches only itself', async () => {
    const res = await app.api.listAppointments({ userId: 'nosql-u1|nosql-u2' });
    expect(res.appointments).toEqual([]);
    const one = await app.api.listAppointments({ userId: 'nosql-u1' });
    expect(one.appointments.map((a) => a.userId)).toEqual(['nosql-u1']);
  });

  it.each([
    '{"$gt":""}',
    '{"$ne":null}',
    '$where',
    'A'.repeat(24),
    '00000000000000000000000G',
    ' '.repeat(24),
  ])('ids %j are INVALID_ARGUMENT for every id field', async (id) => {
    const calls: [string, Promise<unknown>][] = [
      ['service_id', app.api.getService({ serviceId: id })],
      ['appointment_id', app.api.getAppointment({ appointmentId: id })],
      ['slot_id', app.api.setSlotStatus({ slotId: id, status: 2 })],
      ['slot_id', app.api.bookSlot({ slotId: id, userId: 'alice' })],
      ['service_id', app.api.listSlots({ serviceId: id })],
    ];
    for (const [field, promise] of calls) {
      const err = await failure(promise);
      expect({ field, code: err.code, fields: violatedFields(err) }).toEqual({
        field,
        code: grpc.status.INVALID_ARGUMENT,
        fields: [field],
      });
    }
  });

  it('operator-looking names, descriptions and addresses are stored literally', async () => {
    const input = serviceInput({
      name: '{"$gt":""}',
      description: '$where: function() { return true }',
      address: '{"$ne":null}',
    });
    const created = (await app.api.createService({ service: input })).service!;
    const read = (await app.api.getService({ serviceId: created.id })).service!;
    expect(read).toMatchObject({ name: input.name, description: input.description, address: input.address });
    const stored = await app.t.db.collection('services').findOne({ name: '{"$gt":""}' });
    expect(stored).toMatchObject({
      name: '{"$gt":""}',
      description: input.description,
      address: '{"$ne":null}',
    });
  });

  it('a cancellation reason with operators is stored as text', async () => {
    const booked = await app.api.bookSlot({ slotId: slotIds[2]!, userId: 'carol' });
    const reason = '{"$set":{"status":"CONFIRMED"}}';
    const res = await app.api.cancelAppointment({
      appointmentId: booked.appointment!.id,
      userId: 'carol',
      reason,
    });
    expect(res.appointment).toMatchObject({
      status: AppointmentStatus.APPOINTMENT_STATUS_CANCELLED,
      cancellationReason: reason,
    });
  });

  it('page tokens carrying operators are INVALID_ARGUMENT', async () => {
    const tokens = [
      { k: { $gt: 0 }, i: '000000000000000000000000' },
      { k: 1, i: { $ne: null } },
      { k: 1, i: '000000000000000000000000', f: { $ne: '' } },
    ].map((v) => Buffer.from(JSON.stringify(v)).toString('base64url'));
    for (const pageToken of tokens) {
      expect(violatedFields(await failure(app.api.listAppointments({ userId: 'alice', pageToken })))).toEqual(
        ['page_token'],
      );
      expect(violatedFields(await failure(app.api.listServices({ pageToken })))).toEqual(['page_token']);
      expect(violatedFields(await failure(app.api.listSlots({ serviceId, pageToken })))).toEqual([
        'page_token',
      ]);
    }
  });
});

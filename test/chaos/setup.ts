/** The chaos service and its slot pool, created through the API of one instance. */
import { credentials } from '@grpc/grpc-js';
import { BookingServiceClient } from '../../src/gen/booking/v1/booking_service';
import type * as pb from '../../src/gen/booking/v1/booking_service';
import { serviceInput } from '../factories';

/** Places of the chaos service's slots on the days after its first: a capacity above 1, with parties of 1 or 2. */
export const CHAOS_CAPACITY = 3;

/**
 * The chaos service: its first day of slots has one place each (the
 * slot-claim arbiter's path), the following days CHAOS_CAPACITY places (the
 * places ledger's path), so one run checks both.
 */
export async function setUp(
  port: number,
  slotCount: number,
): Promise<{ serviceId: string; slotIds: string[]; multiSlotIds: string[] }> {
  const client = new BookingServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());
  const call = <Res>(fn: (cb: (err: Error | null, res: Res) => void) => void): Promise<Res> =>
    new Promise((resolve, reject) => fn((err, res) => (err ? reject(err) : resolve(res))));
  try {
    const created = await call<pb.CreateServiceResponse>((cb) =>
      client.createService(
        {
          // 9:00-17:00 in 15-minute slots: 32 a day.
          service: serviceInput({ name: 'Chaos clinic', timeZone: 'UTC', slotDurationMinutes: 15 }),
        },
        cb,
      ),
    );
    const serviceId = created.service!.id;
    const days = Math.ceil(slotCount / 32);
    const first = new Date(Date.now() + 7 * 86_400_000);
    const last = new Date(first.getTime() + (days - 1) * 86_400_000);
    const date = (d: Date) => ({ year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() });
    await call<pb.GenerateSlotsResponse>((cb) =>
      client.generateSlots({ serviceId, startDate: date(first), endDate: date(first) }, cb),
    );
    if (days > 1) {
      await call<pb.UpdateServiceResponse>((cb) =>
        client.updateService(
          { service: { ...created.service!, capacity: CHAOS_CAPACITY }, updateMask: ['capacity'] },
          cb,
        ),
      );
      const second = new Date(first.getTime() + 86_400_000);
      await call<pb.GenerateSlotsResponse>((cb) =>
        client.generateSlots({ serviceId, startDate: date(second), endDate: date(last) }, cb),
      );
    }
    const listed = await call<pb.ListSlotsResponse>((cb) =>
      client.listSlots(
        { serviceId, startTime: undefined, endTime: undefined, status: 0, pageSize: 500, pageToken: '' },
        cb,
      ),
    );
    const slots = listed.slots.slice(0, slotCount);
    const slotIds = slots.map((s) => s.id);
    if (slotIds.length < slotCount)
      throw new Error(`only ${slotIds.length} slots generated, wanted ${slotCount}`);
    return { serviceId, slotIds, multiSlotIds: slots.filter((s) => s.capacity > 1).map((s) => s.id) };
  } finally {
    client.close();
  }
}

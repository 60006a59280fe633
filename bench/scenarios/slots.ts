/** The slots a scenario books: a service created through the API, slot documents written directly. */
import { CreateServiceRequest } from '../../src/gen/booking/v1/booking_service';
import type { Db, SlotDoc } from '../lib/docs';
import { call } from '../lib/grpc';
import type { SlotRef } from '../jobs/types';
import type { Ctx } from './context';

/** Midnight UTC, `days` from now. */
export const utcMidnight = (days: number): Date => {
  const d = new Date();
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + days));
};

/** A 24-hour UTC service with `minutes`-long slots, created through the API. */
export async function createService(ctx: Ctx, name: string, minutes: number): Promise<string> {
  const res = await call(
    ctx.rpc,
    ctx.rpc.createService,
    CreateServiceRequest.fromPartial({
      service: {
        name,
        timeZone: 'UTC',
        openingTime: { hours: 0, minutes: 0 },
        closingTime: { hours: 24, minutes: 0 },
        slotDurationMinutes: minutes,
        price: { amountMinor: 2500, currencyCode: 'EUR' },
        active: true,
      },
    }),
  );
  return res.service!.id;
}

export async function insertSlots(db: Db, docs: SlotDoc[]): Promise<void> {
  for (let i = 0; i < docs.length; i += 5_000)
    await db.collection<SlotDoc>('slots').insertMany(docs.slice(i, i + 5_000));
}

export const refOf = (d: SlotDoc): SlotRef => ({
  id: d._id.toHexString(),
  serviceId: d.serviceId.toHexString(),
  startTime: d.startTime.getTime(),
  endTime: d.endTime.getTime(),
});

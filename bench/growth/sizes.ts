/**
 * The growth table's steps: providers created through the API, then for each
 * size the database grown in place (bench/lib/seed.ts), left to go quiet, and
 * every operation, the idle database and the reconciler's passes measured.
 */
import { CreateServiceRequest } from '../../src/gen/booking/v1/booking_service';
import type { Db } from '../lib/docs';
import { call, newClient } from '../lib/grpc';
import type { Cleanups } from '../lib/harness';
import { GrowthSeeder, type SeedService } from '../lib/seed';
import { log } from '../lib/server';
import { quiet } from './database';
import { measureIdle, measurePasses } from './idle';
import { measureOperations } from './operations';
import { HISTORY_USER } from './options';
import { TimeCap, type R, type SizeResult } from './results';
import type { Rig } from './rig';

export async function growSizes(rig: Rig, appDb: Db, out: R, cleanups: Cleanups): Promise<void> {
  const { opts, rpc, server, dbProcs, checkCap } = rig;
  const services: SeedService[] = [];
  for (let i = 0; i < opts.services; i++) {
    const res = await call(
      rpc,
      rpc.createService,
      CreateServiceRequest.fromPartial({
        service: {
          name: `growth provider ${i}`,
          timeZone: 'UTC',
          openingTime: { hours: 8, minutes: 0 },
          closingTime: { hours: 16, minutes: 0 },
          slotDurationMinutes: 15,
          price: { amountMinor: 2500, currencyCode: 'EUR' },
          active: true,
        },
      }),
    );
    services.push({
      id: res.service!.id,
      timeZone: 'UTC',
      openingMinute: 8 * 60,
      closingMinute: 16 * 60,
      slotDurationMinutes: 15,
    });
  }
  const measured = services[0]!;
  const seeder = new GrowthSeeder(appDb, {
    services,
    historyUser: HISTORY_USER,
    historyClaims: opts.historyClaims,
    users: 5_000,
    batch: 5_000,
    log,
  });
  const sizes: SizeResult[] = [];
  out.sizes = sizes;
  out.setup = {
    services: opts.services,
    serviceHours: 'UTC 08:00-16:00, 15-minute slots (32 a day)',
    historyUser: `${HISTORY_USER}: ${opts.historyClaims} appointments, fixed, while the collection grows with other users'`,
    otherUsers: 5_000,
    pastSlots:
      'of every 20 past slots: 15 booked, 3 with a cancelled appointment, 2 never booked (some booked again after a cancellation, to reach the appointments count)',
    requestLog: 'request ids of the last 20 hours (REQUEST_ID_RETENTION_MS is a day)',
  };
  const grpcCalls = newClient(server.target, 98);
  cleanups.push(() => grpcCalls.close());
  for (const size of opts.sizes) {
    const r: SizeResult = {
      size,
      counts: { slots: 0, appointments: 0, request_log: 0 },
      seeded: { added: { slots: 0, appointments: 0, request_log: 0 }, seconds: 0 },
      ops: {},
    };
    sizes.push(r);
    try {
      checkCap(`seeding to ${size}`);
      const need = opts.reps.BookSlot + opts.reps.HoldSlot;
      const days = await seeder.futureSlots(measured, Math.max(1, Math.ceil(need / 32)));
      const slots = days.flat();
      if (slots.length < need)
        throw new Error(`only ${slots.length} future slots for ${need} bookings and holds`);
      log(`seed: growing to ${size} per collection`);
      r.seeded = await seeder.growTo(size);
      r.counts = await seeder.counts();
      log(`seed: ${JSON.stringify(r.counts)} in ${r.seeded.seconds.toFixed(1)} s`);
      // A bulk load leaves the database busy for a while (PostgreSQL's autovacuum and analyze of
      // what was just written): a database that grew over months is not in that state. Measure
      // once its processes are quiet again (under a tenth of a core over 5 s), within 3 minutes.
      r.quietAfterS = await quiet(Object.values(dbProcs.roots), 0.1, 5_000, 180_000);
      log(`seed: database quiet again after ${r.quietAfterS} s`);
      const seededAt = Date.now();

      await measureOperations(rig, grpcCalls, r, { seeder, measured, days, slots });
      await measureIdle(rig, r);
      await measurePasses(rig, r, seededAt);
    } catch (err) {
      if (!(err instanceof TimeCap)) throw err;
      r.capped = err.message;
      log(err.message);
      break;
    }
  }
}

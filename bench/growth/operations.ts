/** The growth table's operations: each RPC timed through the real gRPC API, with its commands. */
import {
  BookSlotRequest,
  CancelAppointmentRequest,
  GetAppointmentRequest,
  HoldSlotRequest,
  ListAppointmentsRequest,
  ListSlotsRequest,
} from '../../src/gen/booking/v1/booking_service';
import { call, failureLabel, failureOf, type BookingServiceClient } from '../lib/grpc';
import { control } from '../lib/procs';
import type { GrowthSeeder, SeedService } from '../lib/seed';
import { log } from '../lib/server';
import { Histogram } from '../lib/stats';
import type { MethodStats } from '../monitoring/state';
import { HISTORY_USER, type Op } from './options';
import type { SizeResult } from './results';
import type { Rig } from './rig';

type Day = Awaited<ReturnType<GrowthSeeder['futureSlots']>>[number];

export interface Seeded {
  seeder: GrowthSeeder;
  /** The provider whose slots are booked, held and listed. */
  measured: SeedService;
  /** Future days of that provider's slots, and those slots. */
  days: Day[];
  slots: Day;
}

export async function measureOperations(
  rig: Rig,
  grpcCalls: BookingServiceClient,
  r: SizeResult,
  { seeder, measured, days, slots }: Seeded,
): Promise<void> {
  const { backend, opts, deadline, server, checkCap } = rig;
  const { size } = r;
  const timeOp = async <T>(
    op: Op,
    method: string,
    fn: (i: number) => Promise<T>,
  ): Promise<(T | undefined)[]> => {
    const reps = opts.reps[op];
    const h = new Histogram();
    const failures: Record<string, number> = {};
    const values: (T | undefined)[] = [];
    await control(server.controlPort, '/rpc?reset=1');
    for (let i = 0; i < reps; i++) {
      if (Date.now() > deadline) break;
      const t0 = performance.now();
      try {
        values.push(await fn(i));
      } catch (err) {
        values.push(undefined);
        const label = failureLabel(failureOf(err));
        failures[label] = (failures[label] ?? 0) + 1;
      }
      h.record(performance.now() - t0);
    }
    const stats = (await control<Record<string, MethodStats>>(server.controlPort, '/rpc'))[method];
    r.ops[op] = {
      n: h.n,
      latencyMs: h.n ? h.summary() : null,
      commandsPerOp: stats?.calls ? stats.ops / stats.calls : null,
      redisPerOp: stats?.calls ? stats.redisOps / stats.calls : null,
      opsPerCall: stats?.opsPerCall,
      failures,
    };
    log(
      `${backend} ${size}: ${op} p50 ${h.quantile(0.5).toFixed(1)} ms, ${r.ops[op].commandsPerOp?.toFixed(2) ?? '?'} commands/op` +
        (Object.keys(failures).length ? `, failures ${JSON.stringify(failures)}` : ''),
    );
    checkCap(op);
    return values;
  };

  const user = `growth-user-${size}`;
  const booked = await timeOp('BookSlot', 'bookSlot', async (i) => {
    const res = await call(
      grpcCalls,
      grpcCalls.bookSlot,
      BookSlotRequest.fromPartial({ slotId: slots[i]!.id, userId: user }),
    );
    return res.appointment!.id;
  });
  const ids = booked.filter((x): x is string => x !== undefined);
  await timeOp('CancelAppointment', 'cancelAppointment', async (i) => {
    if (!ids[i]) throw new Error('no appointment to cancel (its booking failed)');
    await call(
      grpcCalls,
      grpcCalls.cancelAppointment,
      CancelAppointmentRequest.fromPartial({ appointmentId: ids[i], userId: user, reason: 'bench' }),
    );
  });
  const holdSlots = slots.slice(opts.reps.BookSlot);
  const tokens = await timeOp('HoldSlot', 'holdSlot', async (i) => {
    const res = await call(
      grpcCalls,
      grpcCalls.holdSlot,
      HoldSlotRequest.fromPartial({ slotId: holdSlots[i]!.id, userId: user, ttlSeconds: 600 }),
    );
    return res.holdToken;
  });
  await timeOp('BookSlot (confirm hold)', 'bookSlot', async (i) => {
    if (!tokens[i]) throw new Error('no hold to confirm (its HoldSlot failed)');
    await call(
      grpcCalls,
      grpcCalls.bookSlot,
      BookSlotRequest.fromPartial({ slotId: holdSlots[i]!.id, userId: user, holdToken: tokens[i] }),
    );
  });
  const sample = seeder.sampleAppointments();
  await timeOp('GetAppointment', 'getAppointment', async () => {
    const id = sample[Math.floor(Math.random() * sample.length)]!;
    await call(grpcCalls, grpcCalls.getAppointment, GetAppointmentRequest.fromPartial({ appointmentId: id }));
  });
  const day = days[0]!;
  await timeOp('ListSlots (one day)', 'listSlots', async () => {
    const res = await call(
      grpcCalls,
      grpcCalls.listSlots,
      ListSlotsRequest.fromPartial({
        serviceId: measured.id,
        startTime: new Date(
          Date.UTC(
            day[0]!.startTime.getUTCFullYear(),
            day[0]!.startTime.getUTCMonth(),
            day[0]!.startTime.getUTCDate(),
          ),
        ),
        endTime: new Date(
          Date.UTC(
            day[0]!.startTime.getUTCFullYear(),
            day[0]!.startTime.getUTCMonth(),
            day[0]!.startTime.getUTCDate() + 1,
          ),
        ),
        pageSize: 100,
      }),
    );
    if (res.slots.length !== day.length)
      throw new Error(`ListSlots returned ${res.slots.length} slots of a day that has ${day.length}`);
  });
  await timeOp('ListAppointments (page of 50)', 'listAppointments', async () => {
    const res = await call(
      grpcCalls,
      grpcCalls.listAppointments,
      ListAppointmentsRequest.fromPartial({ userId: HISTORY_USER, pageSize: 50 }),
    );
    if (res.appointments.length !== Math.min(50, opts.historyClaims))
      throw new Error(`a history page had ${res.appointments.length} appointments`);
  });
}

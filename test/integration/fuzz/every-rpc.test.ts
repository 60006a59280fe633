/**
 * Hostile input against a real server (fast-check, fixed seed, bounded): for
 * every RPC, (a) structurally valid requests whose fields are random or
 * hostile (operator-looking strings, unicode, long strings, extreme numbers,
 * unknown enum values, odd dates, times and timestamps), mixed with real ids
 * so that requests get past validation too, and (b) bytes that are not valid
 * messages (random, truncated, mutated, wrong wire types, deep groups).
 *
 * Whatever arrives: never INTERNAL or UNKNOWN; no unhandled rejection or
 * uncaught exception (the server runs in this Jest worker, where jest-circus
 * fails the running test on either); a refused request stores nothing; the
 * server stays healthy.
 */
import * as grpc from '@grpc/grpc-js';
import fc from 'fast-check';
import { futureDate, listAllSlots, serviceInput, serviceWithSlots } from '../../factories';
import { FuzzApp } from '../../support/fuzz/app';
import { encode, encodeLength, rawArbitrary } from '../../support/fuzz/bytes';
import { FuzzRecorder } from '../../support/fuzz/recorder';
import { requestArbitraries, type Pools } from '../../support/fuzz/requests';
import { METHODS, sendUnary } from '../../support/fuzz/send';
import { healthStatus } from '../../support/proto-clients';

const SEED = 20_240_611;
/** Runs per RPC: structured requests, and invalid bytes. */
const STRUCTURED_RUNS = 100;
const RAW_RUNS = 70;
/** Watches are held open briefly when accepted: fewer of them. */
const WATCH_RUNS = 60;

const app = new FuzzApp();
let recorder: FuzzRecorder;
beforeAll(async () => {
  await app.start();
  recorder = new FuzzRecorder(app.t.client, app.t.db);
});
afterAll(() => app.stop());

describe('fuzzing every RPC', () => {
  let pools: Pools;

  beforeAll(async () => {
    const { service } = await serviceWithSlots(app.api, {}, 30);
    await app.api.generateSlots({
      serviceId: service.id,
      startDate: futureDate(31),
      endDate: futureDate(33),
    });
    const slotIds = (await listAllSlots(app.api, service.id)).map((s) => s.id);
    const other = await serviceWithSlots(app.api, { active: false }, 31);
    const booked = await app.api.bookSlot({ slotId: slotIds[0]!, userId: 'alice' });
    const held = await app.api.holdSlot({ slotId: slotIds[1]!, userId: 'bob' });
    const changeable = await Promise.all([
      serviceWithSlots(app.api, {}, 34),
      serviceWithSlots(app.api, {}, 35),
    ]);
    pools = {
      serviceIds: [service.id, other.service.id],
      catalogServiceIds: changeable.map((c) => c.service.id),
      slotIds: [...slotIds, ...other.slotIds.slice(0, 4)],
      appointmentIds: [booked.appointment!.id],
      holdTokens: [held.holdToken],
    };
  });

  afterAll(() => {
    console.log(recorder.summary(SEED));
  });

  it.each(METHODS)('%s: random and hostile requests, then invalid bytes', async (method) => {
    const structured = requestArbitraries(pools)[method];
    const runs = method === 'watchSlotAvailability' ? WATCH_RUNS : STRUCTURED_RUNS;
    const requests = fc.sample(structured, { seed: SEED, numRuns: runs });
    await recorder.run(
      method,
      'structured',
      requests.map((r) => ({ bytes: encode(method, r), shown: r })),
    );
    const raws = fc.sample(rawArbitrary(method, structured), { seed: SEED + 1, numRuns: RAW_RUNS });
    await recorder.run(
      method,
      'raw',
      raws.map((b) => ({ bytes: b, shown: b })),
    );
    const found = recorder.problemsOf(method);
    expect(found.map((p) => `${p.kind}: ${p.what}\n    e.g. ${p.input}`)).toEqual([]);
  });

  it('a message larger than GRPC_MAX_RECEIVE_MESSAGE_BYTES is RESOURCE_EXHAUSTED', async () => {
    const big = Buffer.concat([
      Buffer.from([0xfa, 0x01]),
      encodeLength(1_100_000),
      Buffer.alloc(1_100_000, 0x61),
    ]);
    expect((await sendUnary(app.t.client, 'listServices', big)).code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    recorder.count('listServices');
  });

  it('afterwards the server is healthy: SERVING, calls work, no stream left open', async () => {
    expect(await healthStatus(app.t.target, '')).toBe('SERVING');
    const created = await app.api.createService({ service: serviceInput() });
    await expect(app.api.getService({ serviceId: created.service!.id })).resolves.toMatchObject({
      service: { id: created.service!.id },
    });
    const deadline = Date.now() + 5_000;
    while (app.t.app.watchStats().streams > 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    expect(app.t.app.watchStats().streams).toBe(0);
  });
});

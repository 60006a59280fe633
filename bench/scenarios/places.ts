/**
 * Hot slots of several places: `slots` slots of `capacity` places, `perSlot`
 * clients each booking one place at once (the hot-rpc worker job). Checks
 * that exactly the capacity of every slot was booked (answers, claims and
 * ledger agree) and reports how many losers were answered without database
 * work (from the Redis "full" marker).
 */
import { slotDocs, wipe, type SlotDoc } from '../lib/docs';
import { diffCounts, mergeAll, total } from '../lib/stats';
import { hotBurst } from './burst';
import type { Ctx } from './context';
import { outcomes, round } from './measure';
import { createService, insertSlots, utcMidnight } from './slots';

export async function places(ctx: Ctx): Promise<Record<string, unknown>> {
  const { slots, capacity, perSlot, retries, backoffMs } = ctx.cfg.places;
  await wipe(ctx.appDb, ['slots', 'appointments', 'request_log', 'slot_places']);
  const serviceId = await createService(ctx, 'bench places', 15);
  // Slots as GenerateSlots writes them for a service of `capacity` places.
  const docs = slotDocs(serviceId, utcMidnight(2), slots, 15).map(
    (d) => ({ ...d, capacity, placesTaken: 0, placesRev: 0, placesHeld: [] }) as SlotDoc,
  );
  await insertSlots(ctx.appDb, docs);
  ctx.log(`places: ${slots} slots of ${capacity} places x ${perSlot} clients`);
  const { rs, cpu, server, before, after, perClient, stats, winsBySlot, losingAttempts, ...losing } =
    await hotBurst(ctx, {
      slotIds: docs.map((d) => d._id.toHexString()),
      perSlot,
      prefix: 'p',
      retries,
      backoffMs,
      profileAs: null,
    });
  // What the database holds: confirmed claims per slot, and each slot's latest ledger entry.
  const claims = await ctx.appDb
    .collection<{ slotId: SlotDoc['_id']; places?: number }>('appointments')
    .find({ status: 'CONFIRMED' })
    .toArray();
  const claimedBySlot: Record<string, number> = {};
  for (const c of claims) {
    const k = c.slotId.toHexString();
    claimedBySlot[k] = (claimedBySlot[k] ?? 0) + (c.places ?? 1);
  }
  let ledgerAgrees = 0;
  for (const d of docs) {
    const id = d._id.toHexString();
    let latest: { members: { places: number }[] } | null = null;
    for (let n = 1; ; n++) {
      const e = await ctx.appDb
        .collection<{ _id: string; members: { places: number }[] }>('slot_places')
        .findOne({ _id: `${id}:${n}` });
      if (!e) break;
      latest = e;
    }
    const listed = (latest?.members ?? []).reduce((a, m) => a + m.places, 0);
    if (listed === capacity && claimedBySlot[id] === capacity) ledgerAgrees += 1;
  }
  const out = outcomes(rs);
  const wallMs = Math.max(...rs.map((r) => r.wallMs));
  const successes = out.OK ?? 0;
  const { losingAttemptsWithoutOps } = losing;
  return {
    slots,
    capacity,
    clientsPerSlot: perSlot,
    successes,
    exactlyCapacityPerSlot:
      successes === slots * capacity &&
      ledgerAgrees === slots &&
      docs.every((d) => winsBySlot[d._id.toHexString()] === capacity),
    slotsWhereLedgerAndClaimsAgree: ledgerAgrees,
    finalOutcomes: out,
    durationS: wallMs / 1000,
    latencyMs: mergeAll(rs.map((r) => r.latency)).summary(),
    endToEndMs: mergeAll(rs.flatMap((r) => (r.endToEnd ? [r.endToEnd] : []))).summary(),
    dbOps: diffCounts(after.mongo, before.mongo),
    dbOpsTotal: total(diffCounts(after.mongo, before.mongo)),
    redisOps: diffCounts(after.redis, before.redis),
    losers: perClient.losers,
    losersAnsweredWithoutDbOps: perClient.losers
      ? round(perClient.losersWithoutOps / perClient.losers, 4)
      : null,
    losingAttempts,
    losingAttemptsWithoutDbOps: losingAttempts ? round(losingAttemptsWithoutOps / losingAttempts, 4) : null,
    loserOpsHistogram: perClient.loserOpsHistogram,
    bookSlotByCode: stats?.byCode ?? {},
    cpuSeconds: cpu,
    ...server,
  };
}

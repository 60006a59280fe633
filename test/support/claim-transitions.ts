/**
 * The set-up of the claim transition tests (test/integration/claim-transitions/):
 * an app with no background reconciler, a second claim repository on its
 * database as another instance would have, a fresh service with slots before
 * each test, and what a request that crashed between deciding and writing
 * leaves behind. `t`, `repo`, `slotIds` and `serviceId` are live bindings, set
 * by the hooks `useClaimTransitionsApp()` registers (Jest loads this module
 * afresh for each test file).
 */
import { MongoClaimRepository } from '../../src/infra/mongo/claim.repository';
import {
  registerModels,
  type ClaimDoc,
  type SlotDoc,
  type TransitionDoc,
} from '../../src/infra/mongo/models';
import { serviceWithSlots } from '../factories';
import { rpc, startTestApp, type TestApp } from './harness';
import { oid } from './ids';

export let t: TestApp;
export let repo: MongoClaimRepository;
export let slotIds: string[];
export let serviceId: string;
export const claims = () => t.db.collection<ClaimDoc>('appointments');
export const transitions = () => t.db.collection<TransitionDoc>('claim_transitions');
/** What a request that decided to cancel `appointmentId` (revision 0 -> 1) and crashed before writing leaves. */
export const leaveCrashedCancel = (appointmentId: string, reason: string, at: Date) =>
  transitions().insertOne({
    _id: `${appointmentId}:1`,
    claimId: oid(appointmentId),
    rev: 1,
    set: {
      status: 'CANCELLED',
      slotClaim: `~${appointmentId}`,
      cancelledAt: at,
      cancellationReason: reason,
      cancelRequestKey: null,
      updatedAt: at,
      rev: 1,
      revBy: 'crashed-request',
    },
    at,
  });
export const slot = async (id: string): Promise<SlotDoc> =>
  (await t.db.collection<SlotDoc>('slots').findOne({ _id: oid(id) }))!;

export function useClaimTransitionsApp(): void {
  beforeAll(async () => {
    t = await startTestApp({ RECONCILER_ENABLED: 'false', RECONCILER_GRACE_MS: '0' });
    // A second repository on the same database, as another instance would have one;
    // short roll-forward so the crash tests do not wait the default 5 s.
    repo = new MongoClaimRepository(registerModels(t.db), { rollForwardAfterMs: 300 });
  });
  afterAll(() => t.stop());

  beforeEach(async () => {
    const created = await serviceWithSlots(rpc(t.client));
    slotIds = created.slotIds;
    serviceId = created.service.id;
  });
}

/**
 * Database commands per RPC, counted with the driver's command monitoring.
 * Issue 13 asks for BookSlot <= 3, CancelAppointment <= 4, a refused booking
 * <= 1 and 0 when the Redis taken-marker answers. BookSlot and the marker
 * meet it. CancelAppointment is at 6 (was 9): the claim read once (the
 * ownership check's read is what the transition decides on), the transition
 * entry inserted and deleted, the claim written, the slot freed, the service
 * read for the reply (whose claim and slot are what the two writes returned).
 * The target 4 would need the claim_transitions entry gone, and it stays: it
 * is the arbiter on FerretDB, whose findAndModify is not atomic (issue 13).
 * A refusal without the marker is at 2 (the failed conditional update, then
 * the read that explains it; target 1). Both are pinned so they cannot grow.
 * Counts, not timings.
 */
import { capture } from '../support/command-capture';
import { serviceWithSlots } from '../factories';
import { failure, rpc, startTestApp, type TestApp } from '../support/harness';

describe('database commands per RPC', () => {
  let t: TestApp;
  let api: ReturnType<typeof rpc>;
  let user = 0;
  const newUser = (): string => `counted-${++user}`;

  beforeAll(async () => {
    t = await startTestApp({ RECONCILER_ENABLED: 'false' });
    api = rpc(t.client);
  });
  afterAll(() => t.stop());

  it('BookSlot: at most 3', async () => {
    const { slotIds } = await serviceWithSlots(api);
    const { commands } = await capture(() => api.bookSlot({ slotId: slotIds[0]!, userId: newUser() }));
    expect(commands.length).toBeLessThanOrEqual(3);
  });

  it('CancelAppointment: 6 (target 4, see above)', async () => {
    const { slotIds } = await serviceWithSlots(api);
    const userId = newUser();
    const booked = await api.bookSlot({ slotId: slotIds[0]!, userId });
    const { commands } = await capture(() =>
      api.cancelAppointment({ appointmentId: booked.appointment!.id, userId, reason: 'no longer needed' }),
    );
    expect(commands.map((c) => `${c.name} ${c.collection}`)).toEqual([
      'find appointments',
      'insert claim_transitions',
      'findAndModify appointments',
      'delete claim_transitions',
      'findAndModify slots',
      'find services',
    ]);
  });

  it('a refused booking: none when the taken marker answers, else at most 2 (target 1)', async () => {
    const { slotIds } = await serviceWithSlots(api);
    await api.bookSlot({ slotId: slotIds[0]!, userId: newUser() });
    // The first booking marked the slot taken in Redis: the database is not asked.
    const marked = await capture(() => failure(api.bookSlot({ slotId: slotIds[0]!, userId: newUser() })));
    expect(marked.result.reason).toBe('SLOT_UNAVAILABLE');
    expect(marked.commands).toHaveLength(0);

    // Without the marker (a hold, or the marker expired): the failed update, then the read that explains it.
    const { slotIds: more } = await serviceWithSlots(api);
    const holder = await api.holdSlot({ slotId: more[0]!, userId: newUser(), ttlSeconds: 120 });
    expect(holder.holdToken).not.toBe('');
    const unmarked = await capture(() => failure(api.bookSlot({ slotId: more[0]!, userId: newUser() })));
    expect(unmarked.result.reason).toBe('SLOT_UNAVAILABLE');
    expect(unmarked.commands.length).toBeLessThanOrEqual(2);
  });
});

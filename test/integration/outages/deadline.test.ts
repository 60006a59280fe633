/**
 * A client deadline is honoured without harming the server.
 */
import { status } from '@grpc/grpc-js';
import * as pb from '../../../src/gen/booking/v1/booking_service';
import { serviceWithSlots } from '../../factories';
import { decodeError, invariantViolations, rpc } from '../../support/harness';
import { useDescribeApp } from '../../support/describe-app';
import { eventually } from '../../support/processes';
import { callWithin } from '../../support/outages';

describe('client deadline', () => {
  const t = useDescribeApp({ RECONCILER_ENABLED: 'false' });

  it('a BookSlot with a tiny deadline gets DEADLINE_EXCEEDED, and the server stays healthy', async () => {
    const api = rpc(t.client);
    const { service, slotIds } = await serviceWithSlots(api);

    for (const [i, ms] of [0, 1].entries()) {
      const e = decodeError(
        await callWithin(
          t.client,
          t.client.bookSlot,
          pb.BookSlotRequest.fromPartial({ slotId: slotIds[i]!, userId: 'hasty' }),
          ms,
        ).then(
          () => {
            throw new Error('expected DEADLINE_EXCEEDED');
          },
          (err: unknown) => err,
        ),
      );
      expect(e.code).toBe(status.DEADLINE_EXCEEDED);
    }

    // Whatever the server did with those calls, it finished consistently and still serves.
    await eventually(
      async () => ((await invariantViolations(t.db, service.id)).length === 0 ? true : undefined),
      {
        timeoutMs: 10_000,
        what: 'a consistent state',
      },
    );
    await expect(api.getService({ serviceId: service.id })).resolves.toBeDefined();
    const { appointment } = await api.bookSlot({ slotId: slotIds[2]!, userId: 'patient' });
    expect(appointment!.slotId).toBe(slotIds[2]);
  });
});

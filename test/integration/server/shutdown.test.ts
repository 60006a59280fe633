/**
 * The server around the API: after shutdown it takes no more calls.
 */
import * as grpc from '@grpc/grpc-js';
import { BookingServiceClient } from '../../../src/gen/booking/v1/booking_service';
import { createService } from '../../factories';
import { failure, rpc, startTestApp } from '../../support/harness';

describe('shutdown', () => {
  it('stops taking calls: a call after shutdown fails with UNAVAILABLE', async () => {
    const own = await startTestApp();
    try {
      const api = rpc(own.client);
      const service = await createService(api);
      await own.app.shutdown('test');
      const e = await failure(api.getService({ serviceId: service.id }));
      expect(e.code).toBe(grpc.status.UNAVAILABLE);

      // A fresh client cannot reach it either.
      const fresh = new BookingServiceClient(own.target, grpc.credentials.createInsecure());
      try {
        const e2 = await failure(rpc(fresh).getService({ serviceId: service.id }));
        expect(e2.code).toBe(grpc.status.UNAVAILABLE);
      } finally {
        fresh.close();
      }
    } finally {
      await own.stop(); // shutdown is idempotent
    }
  });
});

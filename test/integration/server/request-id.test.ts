/**
 * The server around the API: the x-request-id header, echoed or generated, on
 * succeeding and failing calls.
 */
import * as grpc from '@grpc/grpc-js';
import { Types } from 'mongoose';
import { GetServiceRequest, type GetServiceResponse } from '../../../src/gen/booking/v1/booking_service';
import { createService } from '../../factories';
import { decodeError, rpc } from '../../support/harness';
import { t, useFileApp } from '../../support/file-app';

useFileApp({});

// Generous: only a hung server should hit it, not a busy CI machine.
const deadline = () => Date.now() + 20_000;

describe('x-request-id', () => {
  /** Calls GetService and returns the response headers, and the error if it failed. */
  function getServiceHeaders(
    serviceId: string,
    requestId?: string,
  ): Promise<{ headers: grpc.Metadata; error: grpc.ServiceError | null }> {
    const metadata = new grpc.Metadata();
    if (requestId !== undefined) metadata.set('x-request-id', requestId);
    return new Promise((resolve) => {
      let headers: grpc.Metadata | undefined;
      let error: grpc.ServiceError | null | undefined;
      const done = () => {
        if (headers !== undefined && error !== undefined) resolve({ headers, error });
      };
      const call = t.client.getService(
        GetServiceRequest.fromPartial({ serviceId }),
        metadata,
        { deadline: deadline() },
        (err: grpc.ServiceError | null, _res?: GetServiceResponse) => {
          error = err;
          headers ??= new grpc.Metadata(); // no headers at all: fails the assertions below
          done();
        },
      );
      call.on('metadata', (m) => {
        headers = m;
        done();
      });
    });
  }

  let serviceId: string;
  beforeAll(async () => {
    serviceId = (await createService(rpc(t.client))).id;
  });

  it('echoes the request id the caller sent', async () => {
    const { headers, error } = await getServiceHeaders(serviceId, 'req-2027.03:28_abc');
    expect(error).toBeNull();
    expect(headers.get('x-request-id')).toEqual(['req-2027.03:28_abc']);
  });

  it('generates one when none was sent, different for each call', async () => {
    const a = await getServiceHeaders(serviceId);
    const b = await getServiceHeaders(serviceId);
    expect([a.error, b.error]).toEqual([null, null]);
    const [idA] = a.headers.get('x-request-id');
    const [idB] = b.headers.get('x-request-id');
    expect(idA).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(idB).toMatch(/^[0-9a-f-]{36}$/);
    expect(idA).not.toBe(idB);
  });

  it.each([
    ['with spaces', 'bad id with spaces'],
    ['with a slash', 'bad/id'],
    ['too long', `bad${'x'.repeat(200)}`],
  ])('replaces an unsafe request id (%s) with a generated one', async (_label, unsafe) => {
    const { headers, error } = await getServiceHeaders(serviceId, unsafe);
    expect(error).toBeNull();
    const [id] = headers.get('x-request-id');
    expect(typeof id).toBe('string');
    expect(id).not.toContain('bad');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('is sent on failed calls too', async () => {
    const { headers, error } = await getServiceHeaders(new Types.ObjectId().toHexString(), 'failing-call-1');
    expect(error?.code).toBe(grpc.status.NOT_FOUND);
    expect(decodeError(error).reason).toBe('SERVICE_NOT_FOUND');
    expect(headers.get('x-request-id')).toEqual(['failing-call-1']);
  });
});

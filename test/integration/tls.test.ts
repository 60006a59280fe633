/**
 * Transport security: with TLS_CERT_FILE / TLS_KEY_FILE the server speaks only
 * TLS; with TLS_CLIENT_CA_FILE too, only to clients presenting a certificate
 * signed by that CA (mutual TLS). Certificates come from a throwaway PKI made
 * with openssl (test/support/certs.ts). Authentication is off here: this is
 * about the channel, not the caller.
 */
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { protoPath as healthProtoPath } from 'grpc-health-check';
import { BookingServiceClient } from '../../src/gen/booking/v1/booking_service';
import { createTestPki, type TestPki } from '../support/certs';
import { rpc } from '../support/harness';
import { useDescribeApp } from '../support/describe-app';

const BASE_ENV = { RECONCILER_ENABLED: 'false', METRICS_ENABLED: 'false' };

let pki: TestPki;
beforeAll(() => {
  pki = createTestPki();
});
afterAll(() => pki?.remove());

/** The server's certificate and key (set once the PKI exists). */
const serverTlsEnv = (): Record<string, string> => ({
  ...BASE_ENV,
  TLS_CERT_FILE: pki.server.certFile,
  TLS_KEY_FILE: pki.server.keyFile,
});

const opened: grpc.Client[] = [];
afterEach(() => {
  for (const c of opened.splice(0)) c.close();
});

/** A booking client on a connection of its own. */
function bookingClient(target: string, creds: grpc.ChannelCredentials): BookingServiceClient {
  const client = new BookingServiceClient(target, creds, { 'grpc.use_local_subchannel_pool': 1 });
  opened.push(client);
  return client;
}

const HealthClient = (() => {
  const definition = protoLoader.loadSync(healthProtoPath, { enums: String, defaults: true });
  const pkg = grpc.loadPackageDefinition(definition) as unknown as {
    grpc: { health: { v1: { Health: grpc.ServiceClientConstructor } } };
  };
  return pkg.grpc.health.v1.Health;
})();

/** The overall health status through a channel with `creds`. */
function healthCheck(target: string, creds: grpc.ChannelCredentials): Promise<string> {
  const client = new HealthClient(target, creds, { 'grpc.use_local_subchannel_pool': 1 });
  opened.push(client);
  const check = (client as unknown as Record<string, grpc.requestCallback<{ status: string }>>).Check!;
  return new Promise((resolve, reject) => {
    (
      check as unknown as (
        req: object,
        opts: grpc.CallOptions,
        cb: (e: grpc.ServiceError | null, r?: { status: string }) => void,
      ) => void
    ).call(client, { service: '' }, { deadline: Date.now() + 10_000 }, (err, res) =>
      err ? reject(err) : resolve(res!.status),
    );
  });
}

/** ListServices through `client`: resolves with the gRPC code it ended with (0 for OK). */
async function listServicesCode(client: BookingServiceClient): Promise<number> {
  return new Promise((resolve) => {
    client.listServices(
      { pageSize: 1, pageToken: '', activeOnly: false, showDeleted: false },
      new grpc.Metadata(),
      { deadline: Date.now() + 10_000 },
      (err) => resolve(err ? err.code : grpc.status.OK),
    );
  });
}

describe('server TLS (TLS_CERT_FILE, TLS_KEY_FILE)', () => {
  const t = useDescribeApp(() => serverTlsEnv());

  it('serves a client that trusts the CA, by IP address and by host name', async () => {
    const creds = grpc.credentials.createSsl(pki.ca.cert);
    const api = rpc(bookingClient(t.target, creds));
    await expect(api.listServices({ pageSize: 1 })).resolves.toMatchObject({ services: [] });
    await expect(healthCheck(t.target, creds)).resolves.toBe('SERVING');
    const byName = bookingClient(`localhost:${t.app.port}`, grpc.credentials.createSsl(pki.ca.cert));
    expect(await listServicesCode(byName)).toBe(grpc.status.OK);
  });

  it('refuses a plaintext client', async () => {
    expect(await listServicesCode(bookingClient(t.target, grpc.credentials.createInsecure()))).toBe(
      grpc.status.UNAVAILABLE,
    );
    await expect(healthCheck(t.target, grpc.credentials.createInsecure())).rejects.toMatchObject({
      code: grpc.status.UNAVAILABLE,
    });
  });

  it('is refused by a client that does not trust its CA', async () => {
    expect(
      await listServicesCode(bookingClient(t.target, grpc.credentials.createSsl(pki.otherCa.cert))),
    ).toBe(grpc.status.UNAVAILABLE);
  });

  it('does not require a client certificate, but accepts one', async () => {
    const creds = grpc.credentials.createSsl(pki.ca.cert, pki.client.key, pki.client.cert);
    expect(await listServicesCode(bookingClient(t.target, creds))).toBe(grpc.status.OK);
  });
});

describe('mutual TLS (TLS_CLIENT_CA_FILE)', () => {
  const t = useDescribeApp(() => ({ ...serverTlsEnv(), TLS_CLIENT_CA_FILE: pki.ca.certFile }));

  it('serves a client presenting a certificate signed by the client CA', async () => {
    const creds = grpc.credentials.createSsl(pki.ca.cert, pki.client.key, pki.client.cert);
    const api = rpc(bookingClient(t.target, creds));
    await expect(api.listServices({ pageSize: 1 })).resolves.toMatchObject({ services: [] });
    await expect(healthCheck(t.target, creds)).resolves.toBe('SERVING');
  });

  it('refuses a client without a certificate', async () => {
    const creds = grpc.credentials.createSsl(pki.ca.cert);
    expect(await listServicesCode(bookingClient(t.target, creds))).toBe(grpc.status.UNAVAILABLE);
    await expect(healthCheck(t.target, creds)).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
  });

  it('refuses a client whose certificate another CA signed', async () => {
    const creds = grpc.credentials.createSsl(pki.ca.cert, pki.otherClient.key, pki.otherClient.cert);
    expect(await listServicesCode(bookingClient(t.target, creds))).toBe(grpc.status.UNAVAILABLE);
  });

  it('refuses a client presenting the server certificate as its own (wrong key usage)', async () => {
    const creds = grpc.credentials.createSsl(pki.ca.cert, pki.server.key, pki.server.cert);
    expect(await listServicesCode(bookingClient(t.target, creds))).toBe(grpc.status.UNAVAILABLE);
  });

  it('refuses a plaintext client', async () => {
    expect(await listServicesCode(bookingClient(t.target, grpc.credentials.createInsecure()))).toBe(
      grpc.status.UNAVAILABLE,
    );
  });

  it('still serves a good client after the refused ones', async () => {
    const creds = grpc.credentials.createSsl(pki.ca.cert, pki.client.key, pki.client.cert);
    expect(await listServicesCode(bookingClient(t.target, creds))).toBe(grpc.status.OK);
  });
});

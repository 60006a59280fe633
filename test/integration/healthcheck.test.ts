/**
 * The container health probe (src/healthcheck.ts, the Dockerfile HEALTHCHECK)
 * as a real process against a real server: plaintext, TLS and mutual TLS, and
 * a port nobody listens on. The probe gets only what the container would
 * give it: the server's own PORT, BIND_HOST and TLS_* variables.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { createTestPki, type TestPki } from '../support/certs';
import { startTestApp, type TestApp } from '../support/harness';
import { useDescribeApp } from '../support/describe-app';
import { runEntryPoint } from '../support/entry-point-process';
import { freePort } from '../../scripts/local-servers';

const BASE_ENV = { RECONCILER_ENABLED: 'false', METRICS_ENABLED: 'false' };

/** Runs the probe with `env` (and PATH only) and waits for it to exit. */
const runProbe = (env: Record<string, string>) => runEntryPoint('src/healthcheck.ts', env);

const SERVING = { code: 0, stdout: 'SERVING\n' };

let pki: TestPki;
beforeAll(() => {
  pki = createTestPki();
});
afterAll(() => pki?.remove());

describe('plaintext server', () => {
  const t = useDescribeApp(BASE_ENV);

  it('reports SERVING and exits 0', async () => {
    await expect(runProbe({ PORT: String(t.app.port), BIND_HOST: '127.0.0.1' })).resolves.toMatchObject(
      SERVING,
    );
  });

  it('reports NOT SERVING and exits 1 when it expects TLS and the server speaks plaintext', async () => {
    const result = await runProbe({
      PORT: String(t.app.port),
      BIND_HOST: '127.0.0.1',
      TLS_CERT_FILE: pki.server.certFile,
      TLS_KEY_FILE: pki.server.keyFile,
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^NOT SERVING: 127\.0\.0\.1:\d+: 14 UNAVAILABLE/);
  });
});

describe('nothing listening', () => {
  it('reports NOT SERVING and exits 1', async () => {
    const port = await freePort();
    const result = await runProbe({ PORT: String(port), BIND_HOST: '127.0.0.1' });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(new RegExp(`^NOT SERVING: 127\\.0\\.0\\.1:${port}: 14 UNAVAILABLE`));
  });

  it('reports NOT SERVING and exits 1 on a configuration it cannot use, naming the variable', async () => {
    await expect(runProbe({ PORT: 'abc' })).resolves.toEqual({
      code: 1,
      stdout: 'NOT SERVING: invalid configuration:\n  PORT: must be an integer 0-65535 (got "abc")\n',
      stderr: '',
    });
  });
});

describe('TLS server (TLS_CERT_FILE, TLS_KEY_FILE)', () => {
  let t: TestApp;
  let env: Record<string, string>;
  beforeAll(async () => {
    const tls = { TLS_CERT_FILE: pki.server.certFile, TLS_KEY_FILE: pki.server.keyFile };
    t = await startTestApp({ ...BASE_ENV, ...tls });
    env = { PORT: String(t.app.port), BIND_HOST: '127.0.0.1', ...tls };
  });
  afterAll(() => t?.stop());

  it('reports SERVING and exits 0 (it speaks TLS as the server does)', async () => {
    await expect(runProbe(env)).resolves.toMatchObject(SERVING);
  });

  it('refuses a server whose certificate is not the configured one', async () => {
    // The probe pins TLS_CERT_FILE; here it is told another certificate.
    const result = await runProbe({
      ...env,
      TLS_CERT_FILE: pki.client.certFile,
      TLS_KEY_FILE: pki.client.keyFile,
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^NOT SERVING: 127\.0\.0\.1:\d+: 14 UNAVAILABLE/);
  });
});

describe('mutual TLS server (TLS_CLIENT_CA_FILE)', () => {
  let t: TestApp;
  let env: Record<string, string>;
  beforeAll(async () => {
    const tls = {
      TLS_CERT_FILE: pki.server.certFile,
      TLS_KEY_FILE: pki.server.keyFile,
      TLS_CLIENT_CA_FILE: pki.ca.certFile,
    };
    t = await startTestApp({ ...BASE_ENV, ...tls });
    env = { PORT: String(t.app.port), BIND_HOST: '127.0.0.1', ...tls };
  });
  afterAll(() => t?.stop());

  it('reports SERVING with the client pair in HEALTHCHECK_TLS_CERT_FILE / HEALTHCHECK_TLS_KEY_FILE', async () => {
    await expect(
      runProbe({
        ...env,
        HEALTHCHECK_TLS_CERT_FILE: pki.client.certFile,
        HEALTHCHECK_TLS_KEY_FILE: pki.client.keyFile,
      }),
    ).resolves.toMatchObject(SERVING);
  });

  it('without a client pair and a serverAuth-only server certificate, says which variables to set', async () => {
    const result = await runProbe(env);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^NOT SERVING: mutual TLS is on .*HEALTHCHECK_TLS_CERT_FILE/);
  });
});

describe('mutual TLS with a server certificate also valid for client authentication', () => {
  let t: TestApp;
  let env: Record<string, string>;
  beforeAll(async () => {
    const dual = makeDualUseCert(pki);
    const tls = {
      TLS_CERT_FILE: dual.certFile,
      TLS_KEY_FILE: dual.keyFile,
      TLS_CLIENT_CA_FILE: pki.ca.certFile,
    };
    t = await startTestApp({ ...BASE_ENV, ...tls });
    env = { PORT: String(t.app.port), BIND_HOST: '127.0.0.1', ...tls };
  });
  afterAll(() => t?.stop());

  it('reports SERVING presenting the server pair as its client certificate', async () => {
    await expect(runProbe(env)).resolves.toMatchObject(SERVING);
  });
});

/** A certificate from the test CA for 127.0.0.1 with both serverAuth and clientAuth. */
function makeDualUseCert(p: TestPki): { certFile: string; keyFile: string } {
  const run = (args: string[]): void => {
    execFileSync('openssl', args, { cwd: p.dir, stdio: ['ignore', 'ignore', 'pipe'] });
  };
  writeFileSync(
    path.join(p.dir, 'dual.ext'),
    'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n' +
      'extendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=IP:127.0.0.1\n',
  );
  run(
    ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'].concat([
      '-keyout',
      'dual.key',
      '-out',
      'dual.csr',
      '-subj',
      '/CN=booking-dual',
    ]),
  );
  run(
    ['x509', '-req', '-in', 'dual.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial'].concat([
      '-out',
      'dual.crt',
      '-days',
      '1',
      '-extfile',
      'dual.ext',
    ]),
  );
  return { certFile: path.join(p.dir, 'dual.crt'), keyFile: path.join(p.dir, 'dual.key') };
}

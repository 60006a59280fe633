/**
 * Configuration of the health probe (loadProbeConfig).
 */
import { ConfigError, loadProbeConfig } from '../../../src/config';

describe('loadProbeConfig (the health probe)', () => {
  it('reads the listen address and TLS settings only: no database or auth variables needed', () => {
    expect(loadProbeConfig({})).toEqual({ port: 50051, bindHost: '0.0.0.0', tls: null });
    expect(
      loadProbeConfig({
        PORT: '6000',
        BIND_HOST: '10.0.0.5',
        TLS_CERT_FILE: '/tls/server.crt',
        TLS_KEY_FILE: '/tls/server.key',
        TLS_CLIENT_CA_FILE: '/tls/ca.crt',
        HEALTHCHECK_TLS_CERT_FILE: '/tls/probe.crt',
        HEALTHCHECK_TLS_KEY_FILE: '/tls/probe.key',
      }),
    ).toEqual({
      port: 6000,
      bindHost: '10.0.0.5',
      tls: {
        certFile: '/tls/server.crt',
        keyFile: '/tls/server.key',
        clientCaFile: '/tls/ca.crt',
        clientCertFile: '/tls/probe.crt',
        clientKeyFile: '/tls/probe.key',
      },
    });
  });

  it('refuses what the server would refuse', () => {
    expect(() => loadProbeConfig({ PORT: 'abc', TLS_KEY_FILE: '/tls/server.key' })).toThrow(
      new ConfigError(
        'invalid configuration:\n' +
          '  PORT: must be an integer 0-65535 (got "abc")\n' +
          '  TLS_CERT_FILE: TLS_CERT_FILE and TLS_KEY_FILE go together: set both or neither',
      ),
    );
  });
});

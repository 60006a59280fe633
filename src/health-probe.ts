/**
 * What the health probe (src/healthcheck.ts) dials and how: the server's own
 * listen address and TLS settings, read from the same variables the server
 * reads (loadProbeConfig).
 */
import { readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { createSecureContext, type PeerCertificate } from 'node:tls';
import { credentials, type ChannelCredentials } from '@grpc/grpc-js';
import type { ProbeConfig } from './config';

/** Thrown when the settings cannot make a probe; the message says which variable to set. */
export class ProbeSetupError extends Error {
  override readonly name = 'ProbeSetupError';
}

/**
 * host:port to dial: a wildcard BIND_HOST (0.0.0.0, ::) listens on loopback
 * too, so the probe dials loopback; a specific address or name is dialled as is.
 */
export function probeTarget(bindHost: string, port: number): string {
  if (port === 0)
    throw new ProbeSetupError('PORT=0 listens on a random port the probe cannot know: set PORT');
  const host = bindHost.replace(/^\[(.*)\]$/, '$1');
  if (host === '0.0.0.0') return `127.0.0.1:${port}`;
  if (host === '::' || host === '::0') return `[::1]:${port}`;
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

const CLIENT_AUTH_OID = '1.3.6.1.5.5.7.3.2';

/**
 * Plaintext, or TLS that accepts exactly the server's own certificate.
 *
 * The server's certificate is verified by pinning, not by a CA and a host
 * name: the probe trusts the certificate chain in TLS_CERT_FILE (leaf and
 * intermediates, as trust anchors) and requires the peer's leaf to be that
 * very certificate. So no CA variable is needed, and the probe works whatever
 * names the certificate carries and whatever address it dials.
 *
 * Under mutual TLS (TLS_CLIENT_CA_FILE) the probe presents
 * HEALTHCHECK_TLS_CERT_FILE / HEALTHCHECK_TLS_KEY_FILE. Without them it falls
 * back to the server's own pair, but only when that certificate may be used
 * for client authentication (no extended key usage, or clientAuth among them)
 * and is signed by a CA the server trusts for clients: a serverAuth-only
 * certificate is refused by the server's TLS handshake as a client certificate.
 */
export function probeCredentials(tls: ProbeConfig['tls']): ChannelCredentials {
  if (!tls) return credentials.createInsecure();
  const chain = read(tls.certFile, 'TLS_CERT_FILE');
  const pinned = new X509Certificate(chain);
  let client: { cert: Buffer; key: Buffer } | null = null;
  if (tls.clientCertFile && tls.clientKeyFile) {
    client = {
      cert: read(tls.clientCertFile, 'HEALTHCHECK_TLS_CERT_FILE'),
      key: read(tls.clientKeyFile, 'HEALTHCHECK_TLS_KEY_FILE'),
    };
  } else if (tls.clientCaFile) {
    const usages = pinned.keyUsage as string[] | undefined;
    if (usages && !usages.includes(CLIENT_AUTH_OID))
      throw new ProbeSetupError(
        'mutual TLS is on (TLS_CLIENT_CA_FILE) and the server certificate (TLS_CERT_FILE) is not valid for ' +
          'client authentication: set HEALTHCHECK_TLS_CERT_FILE and HEALTHCHECK_TLS_KEY_FILE to a client ' +
          'certificate signed by the TLS_CLIENT_CA_FILE CA',
      );
    client = { cert: chain, key: read(tls.keyFile, 'TLS_KEY_FILE') };
  }
  const context = createSecureContext({
    ca: chain,
    allowPartialTrustChain: true,
    ...(client ?? {}),
  });
  return credentials.createFromSecureContext(context, {
    checkServerIdentity: (_host: string, peer: PeerCertificate) =>
      peer.fingerprint256 === pinned.fingerprint256
        ? undefined
        : new Error(
            `the server presented a certificate other than TLS_CERT_FILE (${peer.fingerprint256}, ` +
              `expected ${pinned.fingerprint256})`,
          ),
  });
}

function read(file: string, variable: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new ProbeSetupError(`${variable}: cannot read ${file} (${(err as NodeJS.ErrnoException).code})`);
  }
}

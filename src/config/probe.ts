import { z } from 'zod';
import { listenVariables, tlsConfig, tlsIssues, tlsVariables, type TlsConfig } from './server';
import { parseAll, presentVariables } from './variables';

/** What the health probe needs: where the server listens and how it speaks TLS. */
export interface ProbeConfig {
  port: number;
  bindHost: string;
  tls:
    | (TlsConfig & {
        /** The probe's own client pair for mutual TLS, when configured. */
        clientCertFile: string | null;
        clientKeyFile: string | null;
      })
    | null;
}

const probeSchema = z.object({ ...listenVariables, ...tlsVariables });

/** The server's listen and TLS settings, read from the same variables as loadConfig (and no others). */
export function loadProbeConfig(env: NodeJS.ProcessEnv = process.env): ProbeConfig {
  const present = presentVariables(env);
  const c = parseAll(probeSchema, present, tlsIssues(present));
  const tls = tlsConfig(c);
  return {
    port: c.PORT,
    bindHost: c.BIND_HOST,
    tls: tls
      ? {
          ...tls,
          clientCertFile: c.HEALTHCHECK_TLS_CERT_FILE ?? null,
          clientKeyFile: c.HEALTHCHECK_TLS_KEY_FILE ?? null,
        }
      : null,
  };
}

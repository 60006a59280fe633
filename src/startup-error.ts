/**
 * Start-up failures in words an operator can act on: each names the variable
 * to look at and what to do, without a stack trace (src/main.ts prints it).
 */
import { readFileSync } from 'node:fs';
import { redactUri, type AppConfig } from './config';

export class StartupError extends Error {
  override readonly name = 'StartupError';
}

const codeOf = (err: unknown): string | undefined => {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
};
const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** The metrics HTTP server could not listen. */
export function metricsStartupError(err: unknown, host: string, port: number): StartupError {
  const switchOff = 'or METRICS_ENABLED=false to switch metrics off';
  switch (codeOf(err) ?? '') {
    case 'EADDRINUSE':
      return new StartupError(
        `METRICS_PORT: port ${port} on ${host} is already in use (another process, or another instance of ` +
          `this service): set METRICS_PORT to a free port, ${switchOff}`,
      );
    case 'EACCES':
      return new StartupError(
        `METRICS_PORT: not allowed to listen on port ${port} (ports below 1024 need privileges): ` +
          `set METRICS_PORT to a port above 1023, ${switchOff}`,
      );
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new StartupError(
        `METRICS_HOST: cannot listen on ${host}, it is not an address of this machine: ` +
          `set METRICS_HOST to one of its addresses (0.0.0.0 for all), ${switchOff}`,
      );
    default:
      return new StartupError(
        `METRICS_HOST, METRICS_PORT: cannot listen on ${host}:${port} (${messageOf(err)}): ${switchOff}`,
      );
  }
}

/** MongoDB could not be reached, logged into, or prepared (indexes). */
export function mongoStartupError(
  err: unknown,
  mongo: AppConfig['mongo'],
  stage: 'connect' | 'indexes',
): StartupError {
  const where = redactUri(mongo.uri);
  const message = messageOf(err);
  const name = err instanceof Error ? err.name : '';
  if (name === 'MongoParseError' || name === 'MongoAPIError')
    return new StartupError(`MONGODB_URI: ${where} is not a usable connection string (${message})`);
  if ((err as { code?: unknown } | null)?.code === 18 || /auth(entication)? failed/i.test(message))
    return new StartupError(
      `MONGODB_URI: the database at ${where} refused the credentials (${message}): ` +
        'check the user name, password and authSource in MONGODB_URI',
    );
  if (stage === 'indexes')
    return new StartupError(
      `MONGODB_URI: connected to ${where} but could not create the indexes (${message}): ` +
        "check that the database is writable and the user's permissions",
    );
  return new StartupError(
    `MONGODB_URI: cannot reach the database at ${where} within ${mongo.serverSelectionTimeoutMs} ms ` +
      `(${message}): check that it is running and reachable from here, and the hosts, port and ` +
      'options in MONGODB_URI (MONGODB_SERVER_SELECTION_TIMEOUT_MS sets how long to wait)',
  );
}

/** Redis did not become ready; `lastError` is the connection error ioredis last reported. */
export function redisStartupError(url: string, waitedMs: number, lastError: string): StartupError {
  const why = lastError ? `last error: ${lastError}` : 'no answer';
  const auth = /WRONGPASS|NOAUTH|invalid password|invalid username/i.test(lastError);
  return new StartupError(
    `REDIS_URL: Redis at ${redactUri(url)} not ready within ${waitedMs} ms (${why}): ` +
      (auth
        ? 'check the user name and password in REDIS_URL'
        : 'check that it is running and reachable from here, and the host and port in REDIS_URL'),
  );
}

/** The token verifier could not be built (AUTH_JWKS_FILE unreadable or not a key set). */
export function authStartupError(err: unknown, auth: NonNullable<AppConfig['auth']>): StartupError {
  const message = messageOf(err);
  if (!auth.jwksFile) return new StartupError(`AUTH_*: cannot set up token verification (${message})`);
  const code = codeOf(err);
  return new StartupError(
    code?.startsWith('E')
      ? `AUTH_JWKS_FILE: cannot read ${auth.jwksFile} (${code})`
      : `AUTH_JWKS_FILE: ${auth.jwksFile} is not a JSON Web Key Set (${message})`,
  );
}

/** The gRPC server could not start: the listen address or the TLS files. */
export function rpcStartupError(err: unknown, config: AppConfig): StartupError {
  const message = messageOf(err);
  const path = (err as { path?: unknown } | null)?.path;
  const files: [string, string | null | undefined][] = [
    ['TLS_CERT_FILE', config.tls?.certFile],
    ['TLS_KEY_FILE', config.tls?.keyFile],
    ['TLS_CLIENT_CA_FILE', config.tls?.clientCaFile],
  ];
  if (typeof path === 'string' && files.some(([, f]) => f === path)) {
    // Name every file that cannot be read, not only the first one the server opened.
    const unreadable = files.flatMap(([variable, f]) => {
      const code = f ? unreadableCode(f) : null;
      return code ? [`${variable}: cannot read ${f} (${code})`] : [];
    });
    return new StartupError(unreadable.length ? unreadable.join('; ') : `cannot read ${path} (${message})`);
  }
  if (config.tls && /PEM|routines|certificate|private key/i.test(message))
    return new StartupError(
      `TLS_CERT_FILE, TLS_KEY_FILE${config.tls.clientCaFile ? ', TLS_CLIENT_CA_FILE' : ''}: ` +
        `not a usable PEM certificate and key (${message}): check that the files hold a PEM ` +
        'certificate chain, its private key, and a PEM CA certificate',
    );
  const at = `${config.bindHost}:${config.port}`;
  if (/EADDRINUSE/.test(message))
    return new StartupError(
      `PORT: ${config.port} on BIND_HOST ${config.bindHost} is already in use (another process, or another ` +
        'instance of this service): stop it, or set PORT to a free port',
    );
  if (/EACCES/.test(message))
    return new StartupError(
      `PORT: not allowed to listen on ${at} (ports below 1024 need privileges): set PORT to a port above 1023`,
    );
  if (/EADDRNOTAVAIL|Name resolution failed|ENOTFOUND|EAI_AGAIN/.test(message))
    return new StartupError(
      `BIND_HOST: cannot listen on ${config.bindHost}, it is not an address of this machine: ` +
        'set BIND_HOST to one of its addresses (0.0.0.0 for all)',
    );
  return new StartupError(`PORT, BIND_HOST: cannot start the gRPC server on ${at} (${message})`);
}

/** Why `file` cannot be read (an errno code), or null when it can. */
function unreadableCode(file: string): string | null {
  try {
    readFileSync(file);
    return null;
  } catch (err) {
    return codeOf(err) ?? messageOf(err);
  }
}

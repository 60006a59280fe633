/**
 * A throwaway PKI for TLS tests, made with the openssl CLI in a temp dir:
 * a CA, a server certificate for 127.0.0.1 and localhost, a client
 * certificate from the same CA, and a client certificate from another CA.
 * EC P-256 keys, valid for a day.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface KeyPair {
  keyFile: string;
  certFile: string;
  key: Buffer;
  cert: Buffer;
}

export interface TestPki {
  dir: string;
  ca: KeyPair;
  server: KeyPair;
  client: KeyPair;
  /** Another CA, unknown to the server. */
  otherCa: KeyPair;
  /** A client certificate signed by the other CA. */
  otherClient: KeyPair;
  remove(): void;
}

const openssl = (dir: string, args: string[]): void => {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
};

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
/** `openssl req` arguments for a new EC key in `<name>.key`, for the subject CN=`cn`. */
const newKeyFor = (name: string, cn: string): string[] => [
  'req',
  ...EC_KEY,
  '-keyout',
  `${name}.key`,
  '-subj',
  `/CN=${cn}`,
];
const VALID_FOR_A_DAY = ['-days', '1'];

function pair(dir: string, name: string): KeyPair {
  const keyFile = path.join(dir, `${name}.key`);
  const certFile = path.join(dir, `${name}.crt`);
  return {
    keyFile,
    certFile,
    get key() {
      return readFileSync(keyFile);
    },
    get cert() {
      return readFileSync(certFile);
    },
  };
}

function makeCa(dir: string, name: string, cn: string): KeyPair {
  openssl(dir, [
    ...newKeyFor(name, cn),
    '-x509',
    '-out',
    `${name}.crt`,
    ...VALID_FOR_A_DAY,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  return pair(dir, name);
}

function makeLeaf(dir: string, name: string, cn: string, ca: string, extensions: string): KeyPair {
  writeFileSync(path.join(dir, `${name}.ext`), extensions);
  openssl(dir, [...newKeyFor(name, cn), '-new', '-out', `${name}.csr`]);
  openssl(dir, [
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    `${ca}.crt`,
    '-CAkey',
    `${ca}.key`,
    '-CAcreateserial',
    '-out',
    `${name}.crt`,
    ...VALID_FOR_A_DAY,
    '-extfile',
    `${name}.ext`,
  ]);
  return pair(dir, name);
}

/** Creates the PKI (a few hundred milliseconds of openssl). */
export function createTestPki(): TestPki {
  const dir = mkdtempSync(path.join(tmpdir(), 'booking-pki-'));
  const ca = makeCa(dir, 'ca', 'Booking Test CA');
  const server = makeLeaf(
    dir,
    'server',
    'localhost',
    'ca',
    'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n' +
      'subjectAltName=IP:127.0.0.1,DNS:localhost\n',
  );
  const clientExt =
    'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n';
  const client = makeLeaf(dir, 'client', 'booking-client', 'ca', clientExt);
  const otherCa = makeCa(dir, 'other-ca', 'Some Other CA');
  const otherClient = makeLeaf(dir, 'other-client', 'booking-client', 'other-ca', clientExt);
  return {
    dir,
    ca,
    server,
    client,
    otherCa,
    otherClient,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

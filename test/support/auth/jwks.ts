/**
 * An app that verifies tokens with keys from a JWKS file (AUTH_JWKS_FILE):
 * an ES256 and an RS256 key in the file, a stranger key with a kid of the
 * file's, and tokens signed with any of them (or HS256 with any secret).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type KeyLike } from 'jose';
import { rpc, type Rpc, type TestApp } from '../harness';
import { startLoggedApp, type LogSink } from '../log-sink';

const ISSUER = 'https://idp.jwks.example';
const AUDIENCE = 'booking-jwks';

export interface KeyPair {
  privateKey: KeyLike;
  publicJwk: JWK;
}

async function keyPair(alg: 'ES256' | 'RS256', kid: string): Promise<KeyPair> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

export class JwksFixture {
  t!: TestApp;
  api!: Rpc;
  /** `es` and `rs` are in the file; `stranger` is not, though its kid is es-1 too. */
  keys!: Record<'es' | 'rs' | 'stranger', KeyPair>;
  private dir = '';

  /** Writes the JWKS file and starts the app on it, logging into `sink`. */
  async start(sink: LogSink): Promise<void> {
    this.keys = {
      es: await keyPair('ES256', 'es-1'),
      rs: await keyPair('RS256', 'rs-1'),
      stranger: await keyPair('ES256', 'es-1'),
    };
    this.dir = mkdtempSync(path.join(tmpdir(), 'booking-jwks-'));
    const file = path.join(this.dir, 'jwks.json');
    writeFileSync(file, JSON.stringify({ keys: [this.keys.es.publicJwk, this.keys.rs.publicJwk] }));
    this.t = await startLoggedApp(
      { AUTH_DISABLED: 'false', AUTH_JWKS_FILE: file, AUTH_ISSUER: ISSUER, AUTH_AUDIENCE: AUDIENCE },
      sink,
    );
    this.api = rpc(this.t.client);
  }

  async stop(): Promise<void> {
    await this.t?.stop();
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }

  /** A token for subject jwks-admin with `roles`, signed with `key` (`kid` in the header when given). */
  signed(key: KeyLike, alg: string, kid: string | undefined, roles: string[]): Promise<string> {
    return new SignJWT({ roles })
      .setProtectedHeader(kid ? { alg, kid, typ: 'JWT' } : { alg, typ: 'JWT' })
      .setSubject('jwks-admin')
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(key);
  }

  /** An admin token signed HS256 with `secret`, kid es-1: what an attacker holding only public keys can make. */
  hs256(secret: Uint8Array): Promise<string> {
    return new SignJWT({ roles: ['admin'] })
      .setProtectedHeader({ alg: 'HS256', kid: 'es-1' })
      .setSubject('jwks-admin')
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime('10m')
      .sign(secret);
  }

  /** The HS256 secrets to try: random bytes, the ES256 public JWK as JSON, and its x coordinate. */
  hs256Secrets(): Uint8Array[] {
    const encode = (s: string) => new TextEncoder().encode(s);
    return [
      randomBytes(32),
      encode(JSON.stringify(this.keys.es.publicJwk)),
      encode(this.keys.es.publicJwk.x!),
    ];
  }
}

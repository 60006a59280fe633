import type { Metadata } from '@grpc/grpc-js';
import { UNAUTHENTICATED_PRINCIPAL, requireRole, type Principal, type Role } from '../domain/principal';
import { CredentialsRejected, type JwtVerifier } from '../infra/auth/jwt-verifier';
import { unauthenticated } from './transport-errors';

/**
 * Authentication and the per-RPC role check, done before a handler runs.
 * Without a verifier (AUTH_DISABLED=true) every call is an anonymous admin
 * and service.
 */
export class CallGuard {
  constructor(private readonly verifier: JwtVerifier | null) {}

  /**
   * Who is calling, and whether they may call `method`. `onPrincipal` learns
   * the caller before the role check, so a refusal is logged with its caller.
   */
  async admit(
    metadata: Metadata,
    method: string,
    roles: readonly Role[],
    onPrincipal: (principal: Principal) => void = () => undefined,
  ): Promise<Principal> {
    const principal = await this.authenticate(metadata);
    onPrincipal(principal);
    requireRole(principal, roles, method);
    return principal;
  }

  /**
   * Verifies the bearer token. (HTTP/2 as Node implements it keeps only the
   * first `authorization` header of a request: with two, the first decides.)
   */
  private authenticate(metadata: Metadata): Promise<Principal> {
    if (!this.verifier) return Promise.resolve(UNAUTHENTICATED_PRINCIPAL);
    const values = metadata.get('authorization');
    const header = values.length === 1 ? values[0] : undefined;
    const match =
      typeof header === 'string' ? /^Bearer ([A-Za-z0-9._~+/=-]{1,8192})$/.exec(header.trim()) : null;
    if (!match) {
      return Promise.reject(
        unauthenticated('MISSING_CREDENTIALS', 'authorization: Bearer <token> metadata is required'),
      );
    }
    return this.verifier.verify(match[1]!).catch((err: unknown) => {
      throw err instanceof CredentialsRejected ? unauthenticated(err.why, err.message) : err;
    });
  }
}

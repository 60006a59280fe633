import type { Metadata } from '@grpc/grpc-js';
import { UNAUTHENTICATED_PRINCIPAL, requireRole, type Principal, type Role } from '../domain/principal';
import { unauthenticated, type JwtVerifier } from '../infra/auth/jwt-verifier';

/**
 * Authentication and the per-RPC role check, done before a handler runs.
 * Without a verifier (AUTH_DISABLED=true) every call is an anonymous admin
 * and service.
 */
export class CallGuard {
  constructor(private readonly verifier: JwtVerifier | null) {}

  async admit(metadata: Metadata, method: string, roles: readonly Role[]): Promise<Principal> {
    const principal = await this.authenticate(metadata);
    requireRole(principal, roles, method);
    return principal;
  }

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
    return this.verifier.verify(match[1]!);
  }
}

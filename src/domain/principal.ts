import { DomainError } from './errors';

/**
 * Who is calling, from a verified token:
 * - admin: the platform; runs the whole catalog (services, slot generation, blocking);
 * - provider: a provider's admin; runs only the services it owns (see provider-scope.ts),
 *   identified by the token's subject;
 * - service: another backend acting for any user;
 * - user: an end user acting only as themselves (the token's subject).
 */
export type Role = 'admin' | 'provider' | 'service' | 'user';
export const ROLES: readonly Role[] = ['admin', 'provider', 'service', 'user'];

export interface Principal {
  subject: string;
  roles: ReadonlySet<Role>;
}

/** The principal of every call when authentication is switched off. */
export const UNAUTHENTICATED_PRINCIPAL: Principal = {
  subject: 'anonymous',
  roles: new Set<Role>(['admin', 'service']),
};

export function requireRole(p: Principal, allowed: readonly Role[], action: string): void {
  if (!allowed.some((r) => p.roles.has(r))) {
    throw new DomainError('ROLE_NOT_ALLOWED', `${action} needs one of the roles ${allowed.join(', ')}`, {
      required: allowed.join(','),
    });
  }
}

/**
 * The user a call acts for. A service may name any user; a user only
 * themselves (an empty user_id means "me"). Admin is a catalog role: it gives
 * no right over other users' appointments.
 */
export function actingUser(p: Principal, requested: string): string {
  if (p.roles.has('service')) return requested;
  if (requested === '' || requested === p.subject) return p.subject;
  throw new DomainError('NOT_YOUR_USER', 'a user token can only act for its own subject', {});
}

/** For reads of one appointment: the user whose appointments may be seen, or null for any. */
export const visibleUser = (p: Principal): string | null => (p.roles.has('service') ? null : p.subject);

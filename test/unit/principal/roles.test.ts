/**
 * Principals and roles: what each role may do (requireRole), and which user a
 * call acts for and may see (actingUser, visibleUser).
 */
import {
  actingUser,
  requireRole,
  UNAUTHENTICATED_PRINCIPAL,
  visibleUser,
  type Principal,
  type Role,
} from '../../../src/domain/principal';
import { domainErrorOf } from '../domain-error-of';

const principal = (subject: string, ...roles: Role[]): Principal => ({ subject, roles: new Set(roles) });

describe('requireRole', () => {
  it('admits a principal holding any of the allowed roles', () => {
    expect(() => requireRole(principal('a', 'admin'), ['admin'], 'CreateService')).not.toThrow();
    expect(() => requireRole(principal('u', 'user'), ['service', 'user'], 'BookSlot')).not.toThrow();
    expect(() => requireRole(principal('x', 'user', 'admin'), ['admin'], 'GenerateSlots')).not.toThrow();
  });

  it('refuses any other with ROLE_NOT_ALLOWED naming the required roles', () => {
    const err = domainErrorOf(() => requireRole(principal('u', 'user'), ['admin'], 'CreateService'));
    expect(err.reason).toBe('ROLE_NOT_ALLOWED');
    expect(err.metadata).toEqual({ required: 'admin' });
    expect(err.message).toContain('CreateService');
  });

  it('refuses a principal without roles, whatever the RPC', () => {
    for (const allowed of [['admin'], ['service', 'user'], ['admin', 'service', 'user']] as Role[][]) {
      expect(domainErrorOf(() => requireRole(principal('nobody'), allowed, 'X')).reason).toBe(
        'ROLE_NOT_ALLOWED',
      );
    }
  });

  it('lets the principal of AUTH_DISABLED=true do everything', () => {
    for (const allowed of [['admin'], ['service', 'user']] as Role[][]) {
      expect(() => requireRole(UNAUTHENTICATED_PRINCIPAL, allowed, 'X')).not.toThrow();
    }
  });
});

describe('actingUser', () => {
  const alice = principal('alice', 'user');

  it('a user acts as itself: an empty user_id or its own subject', () => {
    expect(actingUser(alice, '')).toBe('alice');
    expect(actingUser(alice, 'alice')).toBe('alice');
  });

  it('a user may not act for another user (NOT_YOUR_USER)', () => {
    for (const other of ['bob', 'Alice', 'alice ', 'alice\u0000', '{"$ne":null}']) {
      expect(domainErrorOf(() => actingUser(alice, other)).reason).toBe('NOT_YOUR_USER');
    }
  });

  it('a service acts for any user it names', () => {
    const svc = principal('frontend', 'service');
    expect(actingUser(svc, 'bob')).toBe('bob');
    expect(actingUser(svc, 'alice')).toBe('alice');
    // Empty stays empty: the request then fails validation (user_id is required).
    expect(actingUser(svc, '')).toBe('');
  });

  it('a service that is also a user still acts for anyone', () => {
    expect(actingUser(principal('frontend', 'service', 'user'), 'bob')).toBe('bob');
  });

  // The policy: admin runs the catalog and has no appointment rights of its
  // own. A token holding both admin and user must therefore be limited to its
  // own subject by the user role, not promoted to "acts for anyone".
  it('a principal with admin and user roles acts only as itself', () => {
    const adminUser = principal('carol', 'admin', 'user');
    expect(actingUser(adminUser, '')).toBe('carol');
    expect(domainErrorOf(() => actingUser(adminUser, 'bob')).reason).toBe('NOT_YOUR_USER');
  });
});

describe('visibleUser', () => {
  it('a user sees only its own appointments', () => {
    expect(visibleUser(principal('alice', 'user'))).toBe('alice');
  });

  it('a service sees every user', () => {
    expect(visibleUser(principal('frontend', 'service'))).toBeNull();
    expect(visibleUser(UNAUTHENTICATED_PRINCIPAL)).toBeNull();
  });

  it('a principal with admin and user roles sees only its own appointments', () => {
    expect(visibleUser(principal('carol', 'admin', 'user'))).toBe('carol');
  });
});

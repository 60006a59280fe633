/** Who manages which service (src/domain/provider-scope.ts). */
import { DomainError } from '../../src/domain/errors';
import { UNAUTHENTICATED_PRINCIPAL, type Principal, type Role } from '../../src/domain/principal';
import {
  ownerOfNewService,
  requireOwnerChange,
  requireServiceManager,
} from '../../src/domain/provider-scope';

const as = (subject: string, ...roles: Role[]): Principal => ({ subject, roles: new Set(roles) });
const reasonOf = (fn: () => unknown): string | null => {
  try {
    fn();
    return null;
  } catch (err) {
    expect(err).toBeInstanceOf(DomainError);
    return (err as DomainError).reason;
  }
};

const owned = { id: 's1', providerId: 'clinic-1' };
const platforms = { id: 's2', providerId: null };

describe('ownerOfNewService', () => {
  it('a provider owns what it creates; naming itself is the same', () => {
    expect(ownerOfNewService(as('clinic-1', 'provider'), null)).toBe('clinic-1');
    expect(ownerOfNewService(as('clinic-1', 'provider'), 'clinic-1')).toBe('clinic-1');
  });

  it('a provider cannot create a service for another provider (NOT_SERVICE_OWNER)', () => {
    expect(reasonOf(() => ownerOfNewService(as('clinic-1', 'provider'), 'clinic-2'))).toBe(
      'NOT_SERVICE_OWNER',
    );
  });

  it('a platform admin names any provider, or none (the platform owns it)', () => {
    expect(ownerOfNewService(as('ops', 'admin'), 'clinic-2')).toBe('clinic-2');
    expect(ownerOfNewService(as('ops', 'admin'), null)).toBeNull();
    expect(ownerOfNewService(as('ops', 'admin', 'provider'), null)).toBeNull();
    expect(ownerOfNewService(UNAUTHENTICATED_PRINCIPAL, null)).toBeNull();
  });
});

describe('requireServiceManager', () => {
  it.each<[string, Principal, { id: string; providerId: string | null }, string | null]>([
    ['the owner', as('clinic-1', 'provider'), owned, null],
    ['another provider', as('clinic-2', 'provider'), owned, 'NOT_SERVICE_OWNER'],
    ["a provider, on the platform's service", as('clinic-1', 'provider'), platforms, 'NOT_SERVICE_OWNER'],
    ['a user whose subject is the owner', as('clinic-1', 'user'), owned, 'NOT_SERVICE_OWNER'],
    ['the platform admin', as('ops', 'admin'), owned, null],
    ["the platform admin, on the platform's service", as('ops', 'admin'), platforms, null],
    ['the principal of AUTH_DISABLED=true', UNAUTHENTICATED_PRINCIPAL, owned, null],
  ])('%s: %s', (_who, principal, service, reason) => {
    expect(reasonOf(() => requireServiceManager(principal, service))).toBe(reason);
  });
});

describe('requireOwnerChange', () => {
  it('only the platform admin gives a service to another provider', () => {
    expect(reasonOf(() => requireOwnerChange(as('ops', 'admin'), 's1'))).toBeNull();
    expect(reasonOf(() => requireOwnerChange(as('clinic-1', 'provider'), 's1'))).toBe('NOT_SERVICE_OWNER');
  });
});

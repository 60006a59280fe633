/**
 * UpdateService and DeleteService requests (src/rpc/requests/service-update.ts
 * and catalog.ts): the field mask (AIP-134) and the values of the fields it
 * names.
 */
import { DomainError } from '../../../src/domain/errors';
import { UPDATABLE_PATHS, WILDCARD_PATHS } from '../../../src/domain/service-patch';
import { DeleteServiceRequest, UpdateServiceRequest } from '../../../src/gen/booking/v1/booking_service';
import type { Service } from '../../../src/gen/booking/v1/resources';
import { parseDeleteService, parseUpdateService } from '../../../src/rpc/requests';
import { timeOfDay } from '../../factories';

const ID = '65f0c0ffee0000000000abcd';

const request = (mask: string[] | undefined, service: Partial<Service> = {}): UpdateServiceRequest =>
  UpdateServiceRequest.fromPartial({
    service: {
      id: ID,
      name: 'New name',
      description: 'New description',
      address: 'New address',
      price: { amountMinor: 100, currencyCode: 'USD' },
      timeZone: 'UTC',
      openingTime: timeOfDay(8),
      closingTime: timeOfDay(24),
      slotDurationMinutes: 15,
      active: false,
      providerId: 'clinic-2',
      capacity: 12,
      ...service,
    },
    updateMask: mask,
  });

function violations(fn: () => unknown): { field: string; description: string }[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(DomainError);
    expect((err as DomainError).reason).toBe('INVALID_ARGUMENT');
    return [...(err as DomainError).violations];
  }
  throw new Error('expected the request to be refused');
}

describe('parseUpdateService', () => {
  it.each<[string, Record<string, unknown>]>([
    ['name', { name: 'New name' }],
    ['description', { description: 'New description' }],
    ['address', { address: 'New address' }],
    ['price', { amountMinor: 100, currencyCode: 'USD' }],
    ['price.amount_minor', { amountMinor: 100 }],
    ['price.currency_code', { currencyCode: 'USD' }],
    ['time_zone', { timeZone: 'UTC' }],
    ['opening_time', { openingMinute: 480 }],
    ['closing_time', { closingMinute: 1440 }],
    ['slot_duration_minutes', { slotDurationMinutes: 15 }],
    ['active', { active: false }],
    ['provider_id', { providerId: 'clinic-2' }],
    ['capacity', { capacity: 12 }],
  ])('"%s" changes exactly its field', (path, patch) => {
    expect(parseUpdateService(request([path]))).toEqual({
      serviceId: ID,
      patch,
      paths: [path],
      etag: null,
    });
  });

  it('covers every updatable path in the test above', () => {
    expect(UPDATABLE_PATHS).toHaveLength(13);
  });

  it('"*" names every updatable field but provider_id and capacity', () => {
    const { patch } = parseUpdateService(request(['*']));
    expect(Object.keys(patch).sort()).toEqual(
      [
        'name',
        'description',
        'address',
        'amountMinor',
        'currencyCode',
        'timeZone',
        'openingMinute',
        'closingMinute',
        'slotDurationMinutes',
        'active',
      ].sort(),
    );
    expect(WILDCARD_PATHS).not.toContain('provider_id');
    // A client written before capacities existed sends 0: its "*" must not touch the places.
    expect(WILDCARD_PATHS).not.toContain('capacity');
  });

  it.each([[0], [1001], [-1]])('refuses capacity %d (1 to 1000 places)', (capacity) => {
    expect(violations(() => parseUpdateService(request(['capacity'], { capacity })))).toEqual([
      { field: 'service.capacity', description: 'must be between 1 and 1000 places' },
    ]);
  });

  it('an empty provider_id gives the service to the platform (null)', () => {
    expect(parseUpdateService(request(['provider_id'], { providerId: '' })).patch).toEqual({
      providerId: null,
    });
  });

  it('reads the etag as the revision it stands for', () => {
    expect(parseUpdateService(request(['name'], { etag: '7' })).etag).toBe(7);
  });

  it.each([[undefined], [[]]])('refuses a missing or empty mask (%j)', (mask) => {
    expect(violations(() => parseUpdateService(request(mask))).map((v) => v.field)).toEqual(['update_mask']);
  });

  it.each(['id', 'create_time', 'update_time', 'delete_time', 'etag'])(
    'refuses the output-only path "%s", saying so',
    (path) => {
      const found = violations(() => parseUpdateService(request(['name', path])));
      expect(found).toEqual([
        { field: 'update_mask', description: `"${path}" is output only and cannot be updated` },
      ]);
    },
  );

  it.each(['nmae', 'Name', 'opening_time.hours', 'price.', '', 'slots', '$set'])(
    'refuses the unknown path %j',
    (path) => {
      const found = violations(() => parseUpdateService(request([path])));
      expect(found).toEqual([
        {
          field: 'update_mask',
          description: `${JSON.stringify(path)} is not a field of Service that can be updated`,
        },
      ]);
    },
  );

  it('points a camelCase path at its snake_case name', () => {
    expect(violations(() => parseUpdateService(request(['closingTime'])))).toEqual([
      {
        field: 'update_mask',
        description:
          '"closingTime" is not a field of Service that can be updated (paths are in snake_case: "closing_time")',
      },
    ]);
  });

  it('lists every bad path and field at once, and echoes long paths shortened', () => {
    const long = 'x'.repeat(10_000);
    const found = violations(() =>
      parseUpdateService(
        request(['id', long, 'opening_time', 'provider_id'], {
          id: 'nope',
          etag: 'W/"1"',
          openingTime: timeOfDay(25),
          providerId: 'not an id',
        }),
      ),
    );
    expect(found.map((v) => v.field).sort()).toEqual([
      'service.etag',
      'service.id',
      'service.opening_time',
      'service.provider_id',
      'update_mask',
      'update_mask',
    ]);
    expect(Math.max(...found.map((v) => v.description.length))).toBeLessThan(200);
  });

  it('requires the price when the mask names "price" as a whole', () => {
    const found = violations(() => parseUpdateService(request(['price'], { price: undefined })));
    expect(found.map((v) => v.field)).toEqual(['service.price']);
  });

  it('refuses a mask of more paths than a service has fields', () => {
    const found = violations(() => parseUpdateService(request(Array.from({ length: 33 }, () => 'name'))));
    expect(found.map((v) => v.field)).toEqual(['update_mask']);
  });

  it('refuses a request without a service', () => {
    const found = violations(() =>
      parseUpdateService(UpdateServiceRequest.fromPartial({ updateMask: ['name'] })),
    );
    expect(found.map((v) => v.field).sort()).toEqual(['service', 'service.id']);
  });
});

describe('parseDeleteService', () => {
  it('takes the id and an optional etag', () => {
    expect(parseDeleteService(DeleteServiceRequest.fromPartial({ serviceId: ID }))).toEqual({
      serviceId: ID,
      etag: null,
    });
    expect(parseDeleteService(DeleteServiceRequest.fromPartial({ serviceId: ID, etag: '3' })).etag).toBe(3);
  });

  it('refuses a bad id and a bad etag at once', () => {
    const found = violations(() =>
      parseDeleteService(DeleteServiceRequest.fromPartial({ serviceId: 'x', etag: 'y' })),
    );
    expect(found.map((v) => v.field).sort()).toEqual(['etag', 'service_id']);
  });
});

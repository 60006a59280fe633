/**
 * CreateService, GetService, ListServices and DeleteService. A service's own
 * rules (text lengths, currency, time zone, slot length, places, and how the
 * hours and the slot length fit together) are the domain's
 * (checkServiceDefinition); the schema reads the wire fields they apply to.
 */
import { z } from 'zod';
import { invalidArgument } from '../../domain/errors';
import { checkServiceDefinition } from '../../domain/service-rules';
import type { ServiceDefinition } from '../../domain/types';
import { Violations } from '../../domain/validation';
import type {
  CreateServiceRequest,
  DeleteServiceRequest,
  GetServiceRequest,
  ListServicesRequest,
} from '../../gen/booking/v1/booking_service';
import type { Price } from '../../gen/booking/v1/resources';
import { objectId, optionalProviderId, pageSize, timeOfDay } from './fields';
import { parseFields, parseRequest } from './violations';

const ETAG = /^[0-9]{1,15}$/;

/** An optional etag: empty (none), or one this API returned (the service's revision). */
export const etag = z
  .string()
  .refine((s) => s === '' || ETAG.test(s), 'is not an etag returned by this API')
  .transform((s) => (s === '' ? null : Number(s)));

/** The wire fields of a new service read before the domain's rules, in the order they are reported. */
const NewService = z.object({
  providerId: optionalProviderId,
  price: z.custom<Price>((price) => price !== undefined, 'is required'),
  openingTime: timeOfDay(false),
  closingTime: timeOfDay(true),
});

/** CreateService: the definition, and the owner asked for (null: none named). */
export function parseCreateService(req: CreateServiceRequest): {
  def: ServiceDefinition;
  providerId: string | null;
} {
  const s = req.service;
  if (!s) throw invalidArgument([{ field: 'service', description: 'is required' }]);
  const v = new Violations();
  const wire = parseFields(v, NewService, s, 'service.');
  const def = checkServiceDefinition(
    v,
    {
      name: s.name,
      description: s.description,
      address: s.address,
      price: {
        amountMinor: s.price?.amountMinor ?? 0,
        currencyCode: s.price?.currencyCode ?? 'EUR', // a missing price is reported above
      },
      timeZone: s.timeZone,
      openingMinute: wire.openingTime,
      closingMinute: wire.closingTime,
      slotDurationMinutes: s.slotDurationMinutes,
      active: s.active,
      capacity: s.capacity === 0 ? 1 : s.capacity,
    },
    'service.',
  );
  v.throwIfAny();
  return { def: def!, providerId: wire.providerId };
}

const GetService = z.object({ serviceId: objectId });

export function parseGetService(req: GetServiceRequest): string {
  return parseRequest(GetService, req).serviceId;
}

const ListServices = z.object({
  pageSize: pageSize({ default: 20, max: 100 }),
  pageToken: z.string(),
  activeOnly: z.boolean(),
  showDeleted: z.boolean(),
});

export function parseListServices(req: ListServicesRequest): {
  activeOnly: boolean;
  showDeleted: boolean;
  pageSize: number;
  pageToken: string;
} {
  return parseRequest(ListServices, req);
}

const DeleteService = z.object({ serviceId: objectId, etag });

export function parseDeleteService(req: DeleteServiceRequest): { serviceId: string; etag: number | null } {
  return parseRequest(DeleteService, req);
}

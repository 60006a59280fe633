/**
 * UpdateService. The field mask (AIP-134) and each changed field's own rules
 * are checked here, before anything is read; whether the changed service is
 * valid as a whole (hours and slot length together) is checked on the stored
 * service with the change applied (src/use-cases/catalog/update-service.ts).
 */
import { z } from 'zod';
import {
  isUpdatablePath,
  OUTPUT_ONLY_PATHS,
  WILDCARD_PATHS,
  type ServicePatch,
  type UpdatablePath,
} from '../../domain/service-patch';
import { checkServiceFields } from '../../domain/service-rules';
import { Violations } from '../../domain/validation';
import type { UpdateServiceRequest } from '../../gen/booking/v1/booking_service';
import type { Service } from '../../gen/booking/v1/resources';
import type { ServiceUpdateCommand } from '../../use-cases/catalog/update-service';
import { etag } from './catalog';
import { objectId, optionalProviderId, timeOfDay } from './fields';
import { fieldValue, parseFields } from './violations';

/** More paths than a Service has fields (and their spellings) is not a mask. */
const MAX_PATHS = 32;

/** Which revision of which service the update is for. */
const ServiceRevision = z.object({ id: objectId, etag });

/** A path as echoed in a violation: short, whatever was sent. */
const quoted = (path: string): string => JSON.stringify(path.length > 64 ? `${path.slice(0, 64)}…` : path);

/** For a path in JSON's camelCase: the snake_case path a mask takes (AIP-161). */
function hint(path: string): string {
  const snake = path.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  return snake !== path && isUpdatablePath(snake) ? ` (paths are in snake_case: "${snake}")` : '';
}

/** The paths a mask names, `*` expanded; unknown and output-only paths are violations. */
function maskPaths(v: Violations, paths: readonly string[] | undefined): Set<UpdatablePath> {
  const named = new Set<UpdatablePath>();
  if (!paths || paths.length === 0) {
    v.add('update_mask', 'must name the fields to change, for example "name" or "opening_time,closing_time"');
    return named;
  }
  if (paths.length > MAX_PATHS) {
    v.add('update_mask', `must name at most ${MAX_PATHS} paths`);
    return named;
  }
  for (const path of paths) {
    if (path === '*') for (const p of WILDCARD_PATHS) named.add(p);
    else if (isUpdatablePath(path)) named.add(path);
    else if (OUTPUT_ONLY_PATHS.includes(path))
      v.add('update_mask', `${quoted(path)} is output only and cannot be updated`);
    else v.add('update_mask', `${quoted(path)} is not a field of Service that can be updated${hint(path)}`);
  }
  return named;
}

/** The new values of the named fields, read from the request's service. */
function patchOf(v: Violations, s: Service, paths: Set<UpdatablePath>): ServicePatch {
  const patch: ServicePatch = {};
  for (const path of paths) {
    switch (path) {
      case 'name':
        patch.name = s.name;
        break;
      case 'description':
        patch.description = s.description;
        break;
      case 'address':
        patch.address = s.address;
        break;
      case 'price':
        if (!v.check(s.price !== undefined, 'service.price', 'is required when the mask names "price"'))
          break;
        patch.amountMinor = s.price!.amountMinor;
        patch.currencyCode = s.price!.currencyCode;
        break;
      case 'price.amount_minor':
        patch.amountMinor = s.price?.amountMinor ?? 0;
        break;
      case 'price.currency_code':
        patch.currencyCode = s.price?.currencyCode ?? '';
        break;
      case 'time_zone':
        patch.timeZone = s.timeZone;
        break;
      case 'opening_time':
        patch.openingMinute = fieldValue(v, 'service.opening_time', timeOfDay(false), s.openingTime);
        break;
      case 'closing_time':
        patch.closingMinute = fieldValue(v, 'service.closing_time', timeOfDay(true), s.closingTime);
        break;
      case 'slot_duration_minutes':
        patch.slotDurationMinutes = s.slotDurationMinutes;
        break;
      case 'active':
        patch.active = s.active;
        break;
      case 'provider_id':
        patch.providerId = fieldValue(v, 'service.provider_id', optionalProviderId, s.providerId);
        break;
      case 'capacity':
        patch.capacity = s.capacity;
        break;
      default: {
        const unreachable: never = path;
        return unreachable;
      }
    }
  }
  return patch;
}

export function parseUpdateService(req: UpdateServiceRequest): ServiceUpdateCommand {
  const v = new Violations();
  const s = req.service;
  if (!s) v.add('service', 'is required');
  const revision = parseFields(v, ServiceRevision, { id: s?.id ?? '', etag: s?.etag ?? '' }, 'service.');
  const paths = maskPaths(v, req.updateMask);
  const patch = s ? patchOf(v, s, paths) : {};
  // Each changed field's own rules now; how it fits the rest, on the stored service (UpdateService).
  checkServiceFields(v, patch, 'service.');
  v.throwIfAny();
  return { serviceId: revision.id!, patch, paths: req.updateMask ?? [], etag: revision.etag };
}

import type { ServiceDraft, ServiceFieldValues } from './service-rules';
import type { ServiceRecord } from './types';

/**
 * UpdateService's field mask (AIP-134): the paths a mask may name, in the
 * resource's own (snake_case) field names. `price` changes both of its
 * fields, `price.amount_minor` or `price.currency_code` one of them.
 */
export const UPDATABLE_PATHS = [
  'name',
  'description',
  'address',
  'price',
  'price.amount_minor',
  'price.currency_code',
  'time_zone',
  'opening_time',
  'closing_time',
  'slot_duration_minutes',
  'active',
  'provider_id',
  'capacity',
] as const;
export type UpdatablePath = (typeof UPDATABLE_PATHS)[number];

/** Fields the server sets: naming one in a mask is an error, not a no-op. */
export const OUTPUT_ONLY_PATHS: readonly string[] = [
  'id',
  'create_time',
  'update_time',
  'delete_time',
  'etag',
];

/**
 * What `*` stands for: every updatable field but `provider_id` (giving a
 * service to another provider is only ever done by naming it) and
 * `capacity` (named only explicitly: a client written before capacities
 * existed sends 0 there, and its `*` must not reset a service's places).
 */
export const WILDCARD_PATHS: readonly UpdatablePath[] = [
  'name',
  'description',
  'address',
  'price',
  'time_zone',
  'opening_time',
  'closing_time',
  'slot_duration_minutes',
  'active',
];

export const isUpdatablePath = (path: string): path is UpdatablePath =>
  (UPDATABLE_PATHS as readonly string[]).includes(path);

/**
 * The new values of the fields a mask names; a field left out keeps its
 * stored value. A time of day is null when it was malformed (reported by the
 * parser already).
 */
export interface ServicePatch extends ServiceFieldValues {
  openingMinute?: number | null;
  closingMinute?: number | null;
  active?: boolean;
  /** null: the platform's own. */
  providerId?: string | null;
}

/** The stored service with the patch applied: what the rules of a service are checked on. */
export function patchedDraft(current: ServiceRecord, patch: ServicePatch): ServiceDraft {
  return {
    name: patch.name ?? current.name,
    description: patch.description ?? current.description,
    address: patch.address ?? current.address,
    price: {
      amountMinor: patch.amountMinor ?? current.price.amountMinor,
      currencyCode: patch.currencyCode ?? current.price.currencyCode,
    },
    timeZone: patch.timeZone ?? current.timeZone,
    openingMinute: patch.openingMinute === undefined ? current.openingMinute : patch.openingMinute,
    closingMinute: patch.closingMinute === undefined ? current.closingMinute : patch.closingMinute,
    slotDurationMinutes: patch.slotDurationMinutes ?? current.slotDurationMinutes,
    active: patch.active ?? current.active,
    capacity: patch.capacity ?? current.capacity,
  };
}

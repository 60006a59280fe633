import { isValidTimeZone } from './slot-plan';
import { MAX_CAPACITY, type ServiceDefinition } from './types';
import { checkText, isCurrencyCode, type Violations } from './validation';

export const MIN_SLOT_MINUTES = 5;
export const MAX_SLOT_MINUTES = 24 * 60;

const KNOWN_CURRENCIES = new Set(Intl.supportedValuesOf('currency'));

/** A definition as received; a time of day is null when it was malformed. */
export type ServiceDraft = Omit<ServiceDefinition, 'openingMinute' | 'closingMinute'> & {
  openingMinute: number | null;
  closingMinute: number | null;
};

/** Values of single fields of a service, as checked on their own. */
export interface ServiceFieldValues {
  name?: string;
  description?: string;
  address?: string;
  amountMinor?: number;
  currencyCode?: string;
  timeZone?: string;
  slotDurationMinutes?: number;
  capacity?: number;
}

const durationInRange = (minutes: number): boolean =>
  Number.isInteger(minutes) && minutes >= MIN_SLOT_MINUTES && minutes <= MAX_SLOT_MINUTES;

/**
 * The rules of each field on its own, for the fields given, recorded as
 * violations with field paths under `prefix` (UpdateService checks the fields
 * it changes with these before reading the service).
 */
export function checkServiceFields(v: Violations, f: ServiceFieldValues, prefix: string): void {
  if (f.name !== undefined) checkText(v, `${prefix}name`, f.name, { required: true, max: 200 });
  if (f.description !== undefined) checkText(v, `${prefix}description`, f.description, { max: 2000 });
  if (f.address !== undefined) checkText(v, `${prefix}address`, f.address, { max: 500 });
  if (f.amountMinor !== undefined && (!Number.isSafeInteger(f.amountMinor) || f.amountMinor < 0))
    v.add(`${prefix}price.amount_minor`, 'must be a whole number of minor units, zero or more');
  if (f.currencyCode === '') v.add(`${prefix}price.currency_code`, 'is required');
  else if (f.currencyCode !== undefined)
    v.check(
      isCurrencyCode(f.currencyCode) && KNOWN_CURRENCIES.has(f.currencyCode),
      `${prefix}price.currency_code`,
      'must be an ISO 4217 currency code such as EUR',
    );
  if (f.timeZone === '') v.add(`${prefix}time_zone`, 'is required');
  else if (f.timeZone !== undefined)
    v.check(
      isValidTimeZone(f.timeZone),
      `${prefix}time_zone`,
      'must be an IANA time zone such as Europe/Berlin',
    );
  if (f.slotDurationMinutes !== undefined)
    v.check(
      durationInRange(f.slotDurationMinutes),
      `${prefix}slot_duration_minutes`,
      `must be between ${MIN_SLOT_MINUTES} and ${MAX_SLOT_MINUTES}`,
    );
  if (f.capacity !== undefined)
    v.check(
      Number.isInteger(f.capacity) && f.capacity >= 1 && f.capacity <= MAX_CAPACITY,
      `${prefix}capacity`,
      `must be between 1 and ${MAX_CAPACITY} places`,
    );
}

/**
 * The rules a service definition must satisfy, recorded as violations with
 * field paths under `prefix` (for example "service."): each field's own, then
 * how the hours and the slot length fit together. Returns the definition
 * when it is valid.
 */
export function checkServiceDefinition(
  v: Violations,
  def: ServiceDraft,
  prefix: string,
): ServiceDefinition | null {
  checkServiceFields(
    v,
    {
      name: def.name,
      description: def.description,
      address: def.address,
      amountMinor: def.price.amountMinor,
      currencyCode: def.price.currencyCode,
      timeZone: def.timeZone,
      slotDurationMinutes: def.slotDurationMinutes,
      capacity: def.capacity,
    },
    prefix,
  );
  const { openingMinute, closingMinute } = def;
  if (openingMinute === null || closingMinute === null) return null;
  if (openingMinute >= closingMinute) v.add(`${prefix}closing_time`, 'must be after opening_time');
  else if (
    durationInRange(def.slotDurationMinutes) &&
    closingMinute - openingMinute < def.slotDurationMinutes
  )
    v.add(`${prefix}slot_duration_minutes`, 'must fit between opening_time and closing_time');
  return v.isEmpty ? { ...def, openingMinute, closingMinute } : null;
}

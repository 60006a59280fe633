import { isValidTimeZone } from './slot-plan';
import type { ServiceDefinition } from './types';
import { checkText, isCurrencyCode, type Violations } from './validation';

export const MIN_SLOT_MINUTES = 5;
export const MAX_SLOT_MINUTES = 24 * 60;

const KNOWN_CURRENCIES = new Set(Intl.supportedValuesOf('currency'));

/** A definition as received; a time of day is null when it was malformed. */
export type ServiceDraft = Omit<ServiceDefinition, 'openingMinute' | 'closingMinute'> & {
  openingMinute: number | null;
  closingMinute: number | null;
};

/**
 * The rules a service definition must satisfy, recorded as violations with
 * field paths under `prefix` (for example "service."). Returns the definition
 * when it is valid.
 */
export function checkServiceDefinition(
  v: Violations,
  def: ServiceDraft,
  prefix: string,
): ServiceDefinition | null {
  checkText(v, `${prefix}name`, def.name, { required: true, max: 200 });
  checkText(v, `${prefix}description`, def.description, { max: 2000 });
  checkText(v, `${prefix}address`, def.address, { max: 500 });

  if (!Number.isSafeInteger(def.price.amountMinor) || def.price.amountMinor < 0)
    v.add(`${prefix}price.amount_minor`, 'must be a whole number of minor units, zero or more');
  if (def.price.currencyCode === '') v.add(`${prefix}price.currency_code`, 'is required');
  else
    v.check(
      isCurrencyCode(def.price.currencyCode) && KNOWN_CURRENCIES.has(def.price.currencyCode),
      `${prefix}price.currency_code`,
      'must be an ISO 4217 currency code such as EUR',
    );

  if (def.timeZone === '') v.add(`${prefix}time_zone`, 'is required');
  else
    v.check(
      isValidTimeZone(def.timeZone),
      `${prefix}time_zone`,
      'must be an IANA time zone such as Europe/Berlin',
    );

  const durationOk = v.check(
    Number.isInteger(def.slotDurationMinutes) &&
      def.slotDurationMinutes >= MIN_SLOT_MINUTES &&
      def.slotDurationMinutes <= MAX_SLOT_MINUTES,
    `${prefix}slot_duration_minutes`,
    `must be between ${MIN_SLOT_MINUTES} and ${MAX_SLOT_MINUTES}`,
  );
  const { openingMinute, closingMinute } = def;
  if (openingMinute === null || closingMinute === null) return null;
  if (openingMinute >= closingMinute) v.add(`${prefix}closing_time`, 'must be after opening_time');
  else if (durationOk && closingMinute - openingMinute < def.slotDurationMinutes)
    v.add(`${prefix}slot_duration_minutes`, 'must fit between opening_time and closing_time');
  return v.isEmpty ? { ...def, openingMinute, closingMinute } : null;
}

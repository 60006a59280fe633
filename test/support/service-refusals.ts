/**
 * Service fields CreateService refuses, each with the field it names: the
 * request parser's unit tests and the invalid-input integration tests both
 * go through this table (each adds the cases of its own layer).
 */
import type { Service } from '../../src/gen/booking/v1/resources';
import { timeOfDay } from '../factories';

/** [label, overrides of a valid service, the fields the refusal names]. */
export type ServiceRefusal = [string, Partial<Service>, string[]];

export const SERVICE_REFUSALS: ServiceRefusal[] = [
  ['an empty name', { name: '' }, ['service.name']],
  ['a blank name', { name: '  \t ' }, ['service.name']],
  ['an unknown time zone', { timeZone: 'Mars/Olympus' }, ['service.time_zone']],
  ['hours 25', { openingTime: timeOfDay(25) }, ['service.opening_time']],
  ['minutes 60', { closingTime: timeOfDay(17, 60) }, ['service.closing_time']],
  ['seconds 5', { openingTime: { hours: 9, minutes: 0, seconds: 5, nanos: 0 } }, ['service.opening_time']],
  [
    'closing before opening',
    { openingTime: timeOfDay(17), closingTime: timeOfDay(9) },
    ['service.closing_time'],
  ],
  ['a negative price', { price: { amountMinor: -100, currencyCode: 'EUR' } }, ['service.price.amount_minor']],
  [
    'a lowercase currency',
    { price: { amountMinor: 1, currencyCode: 'eur' } },
    ['service.price.currency_code'],
  ],
  [
    'an unknown currency',
    { price: { amountMinor: 1, currencyCode: 'ABC' } },
    ['service.price.currency_code'],
  ],
  [
    'a slot longer than the opening hours',
    { openingTime: timeOfDay(9), closingTime: timeOfDay(9, 20), slotDurationMinutes: 30 },
    ['service.slot_duration_minutes'],
  ],
];

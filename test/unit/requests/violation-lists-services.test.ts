/**
 * Characterisation: the exact violations (field, description, order) a catalog request
 * with several invalid fields is refused with, as the hand-written parsers
 * reported them before the zod schemas.
 */
import {
  CreateServiceRequest,
  GetServiceRequest,
  ListServicesRequest,
} from '../../../src/gen/booking/v1/booking_service';
import { parseCreateService, parseGetService, parseListServices } from '../../../src/rpc/requests';
import { violationList } from './refusal';

const t = (hours: number, minutes = 0) => ({ hours, minutes, seconds: 0, nanos: 0 });

const CASES: [string, () => unknown, [string, string][]][] = [
  [
    'CreateService: a missing service',
    () => parseCreateService(CreateServiceRequest.fromPartial({})),
    [['service', 'is required']],
  ],
  [
    'CreateService: every field invalid',
    () =>
      parseCreateService(
        CreateServiceRequest.fromPartial({
          service: {
            name: '',
            description: 'd'.repeat(2001),
            address: 'a'.repeat(501),
            price: { amountMinor: -1, currencyCode: 'eur' },
            timeZone: 'Mars/Olympus',
            openingTime: t(25),
            closingTime: t(17, 60),
            slotDurationMinutes: 3,
            providerId: 'a b',
            capacity: 1001,
          },
        }),
      ),
    [
      [
        'service.provider_id',
        'must be 1 to 128 characters of letters, digits and ._@:|+- starting with a letter or digit',
      ],
      ['service.opening_time', 'must be a time of day 00:00 to 23:59 with no seconds'],
      ['service.closing_time', 'must be a time of day 00:00 to 23:59 (or 24:00) with no seconds'],
      ['service.name', 'is required'],
      ['service.description', 'must be at most 2000 characters'],
      ['service.address', 'must be at most 500 characters'],
      ['service.price.amount_minor', 'must be a whole number of minor units, zero or more'],
      ['service.price.currency_code', 'must be an ISO 4217 currency code such as EUR'],
      ['service.time_zone', 'must be an IANA time zone such as Europe/Berlin'],
      ['service.slot_duration_minutes', 'must be between 5 and 1440'],
      ['service.capacity', 'must be between 1 and 1000 places'],
    ],
  ],
  [
    'CreateService: missing price, time zone and times of day, and a bad provider',
    () =>
      parseCreateService(
        CreateServiceRequest.fromPartial({
          service: {
            name: 'n',
            timeZone: '',
            slotDurationMinutes: 30,
            providerId: '-x',
          },
        }),
      ),
    [
      [
        'service.provider_id',
        'must be 1 to 128 characters of letters, digits and ._@:|+- starting with a letter or digit',
      ],
      ['service.price', 'is required'],
      ['service.opening_time', 'is required'],
      ['service.closing_time', 'is required'],
      ['service.time_zone', 'is required'],
    ],
  ],
  [
    'CreateService: closing before opening among other invalid fields',
    () =>
      parseCreateService(
        CreateServiceRequest.fromPartial({
          service: {
            name: '',
            price: { amountMinor: -1, currencyCode: 'ABC' },
            timeZone: 'UTC',
            openingTime: t(17),
            closingTime: t(9),
            slotDurationMinutes: 30,
          },
        }),
      ),
    [
      ['service.name', 'is required'],
      ['service.price.amount_minor', 'must be a whole number of minor units, zero or more'],
      ['service.price.currency_code', 'must be an ISO 4217 currency code such as EUR'],
      ['service.closing_time', 'must be after opening_time'],
    ],
  ],
  [
    'CreateService: a slot longer than the hours, and too many places',
    () =>
      parseCreateService(
        CreateServiceRequest.fromPartial({
          service: {
            name: 'n',
            price: { amountMinor: 1, currencyCode: 'EUR' },
            timeZone: 'UTC',
            openingTime: t(9),
            closingTime: t(9, 20),
            slotDurationMinutes: 30,
            capacity: -1,
          },
        }),
      ),
    [
      ['service.capacity', 'must be between 1 and 1000 places'],
      ['service.slot_duration_minutes', 'must fit between opening_time and closing_time'],
    ],
  ],
  [
    'GetService: an empty id',
    () => parseGetService(GetServiceRequest.fromPartial({ serviceId: '' })),
    [['service_id', 'is required']],
  ],
  [
    'ListServices: a negative page size',
    () => parseListServices(ListServicesRequest.fromPartial({ pageSize: -1 })),
    [['page_size', 'must not be negative']],
  ],
];

it.each(CASES)('%s', (_label, parse, expected) => {
  expect(violationList(parse)).toEqual(expected);
});

/**
 * Characterisation: the exact violations (field, description, order) an UpdateService or DeleteService request
 * with several invalid fields is refused with, as the hand-written parsers
 * reported them before the zod schemas.
 */
import { UpdateServiceRequest, DeleteServiceRequest } from '../../../src/gen/booking/v1/booking_service';
import { parseUpdateService, parseDeleteService } from '../../../src/rpc/requests';
import { ID, violationList } from './refusal';

const t = (hours: number, minutes = 0) => ({ hours, minutes, seconds: 0, nanos: 0 });

const CASES: [string, () => unknown, [string, string][]][] = [
  [
    'UpdateService: no service and bad paths',
    () => parseUpdateService(UpdateServiceRequest.fromPartial({ updateMask: ['id', 'nmae', 'closingTime'] })),
    [
      ['service', 'is required'],
      ['service.id', 'is required'],
      ['update_mask', '"id" is output only and cannot be updated'],
      ['update_mask', '"nmae" is not a field of Service that can be updated'],
      [
        'update_mask',
        '"closingTime" is not a field of Service that can be updated (paths are in snake_case: "closing_time")',
      ],
    ],
  ],
  [
    'UpdateService: bad id, etag, paths and values',
    () =>
      parseUpdateService(
        UpdateServiceRequest.fromPartial({
          service: {
            id: 'nope',
            etag: 'W/"1"',
            name: '',
            price: undefined,
            timeZone: '',
            openingTime: t(25),
            closingTime: t(9),
            slotDurationMinutes: 1,
            providerId: 'a b',
            capacity: 0,
            description: '\u0007',
            address: 'x',
          },
          updateMask: ['*', 'provider_id', 'capacity', 'etag', 'x'.repeat(100)],
        }),
      ),
    [
      ['service.id', 'must be 24 lowercase hexadecimal characters'],
      ['service.etag', 'is not an etag returned by this API'],
      ['update_mask', '"etag" is output only and cannot be updated'],
      [
        'update_mask',
        '"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…" is not a field of Service that can be updated',
      ],
      ['service.price', 'is required when the mask names "price"'],
      ['service.opening_time', 'must be a time of day 00:00 to 23:59 with no seconds'],
      [
        'service.provider_id',
        'must be 1 to 128 characters of letters, digits and ._@:|+- starting with a letter or digit',
      ],
      ['service.name', 'is required'],
      ['service.description', 'must not contain control characters'],
      ['service.time_zone', 'is required'],
      ['service.slot_duration_minutes', 'must be between 5 and 1440'],
      ['service.capacity', 'must be between 1 and 1000 places'],
    ],
  ],
  [
    'UpdateService: no mask',
    () => parseUpdateService(UpdateServiceRequest.fromPartial({ service: { id: ID } })),
    [['update_mask', 'must name the fields to change, for example "name" or "opening_time,closing_time"']],
  ],
  [
    'UpdateService: too many paths',
    () =>
      parseUpdateService(
        UpdateServiceRequest.fromPartial({
          service: { id: '' },
          updateMask: Array.from({ length: 33 }, () => 'nope'),
        }),
      ),
    [
      ['service.id', 'is required'],
      ['update_mask', 'must name at most 32 paths'],
    ],
  ],
  [
    'UpdateService: price parts and times in mask order',
    () =>
      parseUpdateService(
        UpdateServiceRequest.fromPartial({
          service: {
            id: ID,
            price: undefined,
            closingTime: undefined,
            openingTime: t(9, 1.5),
            timeZone: 'Mars/Olympus',
            capacity: 5,
          },
          updateMask: [
            'price.currency_code',
            'closing_time',
            'price.amount_minor',
            'opening_time',
            'time_zone',
            'capacity',
          ],
        }),
      ),
    [
      ['service.closing_time', 'is required'],
      ['service.opening_time', 'must be a time of day 00:00 to 23:59 with no seconds'],
      ['service.price.currency_code', 'is required'],
      ['service.time_zone', 'must be an IANA time zone such as Europe/Berlin'],
    ],
  ],
  [
    'UpdateService: an invalid amount and currency',
    () =>
      parseUpdateService(
        UpdateServiceRequest.fromPartial({
          service: { id: ID, price: { amountMinor: 1.5, currencyCode: 'XYZW' }, slotDurationMinutes: 0 },
          updateMask: ['price', 'slot_duration_minutes'],
        }),
      ),
    [
      ['service.price.amount_minor', 'must be a whole number of minor units, zero or more'],
      ['service.price.currency_code', 'must be an ISO 4217 currency code such as EUR'],
      ['service.slot_duration_minutes', 'must be between 5 and 1440'],
    ],
  ],
  [
    'DeleteService: a bad id and a bad etag',
    () => parseDeleteService(DeleteServiceRequest.fromPartial({ serviceId: 'x', etag: 'y' })),
    [
      ['service_id', 'must be 24 lowercase hexadecimal characters'],
      ['etag', 'is not an etag returned by this API'],
    ],
  ],
];

it.each(CASES)('%s', (_label, parse, expected) => {
  expect(violationList(parse)).toEqual(expected);
});

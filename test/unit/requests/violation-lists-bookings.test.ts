/**
 * Characterisation: the exact violations (field, description, order) a booking, hold or watch request
 * with several invalid fields is refused with, as the hand-written parsers
 * reported them before the zod schemas.
 */
import {
  BookSlotRequest,
  HoldSlotRequest,
  ReleaseHoldRequest,
  RescheduleAppointmentRequest,
  CancelAppointmentRequest,
  GetAppointmentRequest,
  ListAppointmentsRequest,
  WatchSlotAvailabilityRequest,
} from '../../../src/gen/booking/v1/booking_service';
import {
  parseBookSlot,
  parseHoldSlot,
  parseReleaseHold,
  parseRescheduleAppointment,
  parseCancelAppointment,
  parseGetAppointment,
  parseListAppointments,
  parseWatchSlotAvailability,
} from '../../../src/rpc/requests';
import { type AppointmentStatus } from '../../../src/gen/booking/v1/resources';
import { ID, violationList } from './refusal';

const CASES: [string, () => unknown, [string, string][]][] = [
  [
    'BookSlot: every field invalid',
    () =>
      parseBookSlot(
        BookSlotRequest.fromPartial({
          slotId: 'xyz',
          userId: '',
          serviceId: `${ID}0`,
          holdToken: 'nope',
          requestId: 'a b',
          partySize: -1,
        }),
      ),
    [
      ['slot_id', 'must be 24 lowercase hexadecimal characters'],
      ['user_id', 'is required'],
      ['service_id', 'must be 24 lowercase hexadecimal characters'],
      ['hold_token', 'is not a hold token returned by HoldSlot'],
      ['request_id', 'must be 1 to 64 of A-Z a-z 0-9 _ -'],
      ['party_size', 'must be between 1 and 1000 places (0 means 1)'],
    ],
  ],
  [
    'BookSlot: a bad user and too large a party',
    () =>
      parseBookSlot(BookSlotRequest.fromPartial({ slotId: ID, userId: 'u'.repeat(129), partySize: 1001 })),
    [
      [
        'user_id',
        'must be 1 to 128 characters of letters, digits and ._@:|+- starting with a letter or digit',
      ],
      ['party_size', 'must be between 1 and 1000 places (0 means 1)'],
    ],
  ],
  [
    'HoldSlot: every field invalid',
    () =>
      parseHoldSlot(
        HoldSlotRequest.fromPartial({
          slotId: '',
          userId: 'a/b',
          ttlSeconds: -1,
          requestId: 'r'.repeat(65),
          partySize: 1001,
        }),
      ),
    [
      ['slot_id', 'is required'],
      [
        'user_id',
        'must be 1 to 128 characters of letters, digits and ._@:|+- starting with a letter or digit',
      ],
      ['ttl_seconds', 'must be zero (the default) or a positive number of seconds'],
      ['request_id', 'must be 1 to 64 of A-Z a-z 0-9 _ -'],
      ['party_size', 'must be between 1 and 1000 places (0 means 1)'],
    ],
  ],
  [
    'ReleaseHold: nothing sent',
    () => parseReleaseHold(ReleaseHoldRequest.fromPartial({})),
    [
      ['hold_token', 'is required'],
      ['user_id', 'is required'],
    ],
  ],
  [
    'ReleaseHold: a bad token and a bad user',
    () => parseReleaseHold(ReleaseHoldRequest.fromPartial({ holdToken: `${ID}.short`, userId: ' ' })),
    [
      ['hold_token', 'is not a hold token returned by HoldSlot'],
      [
        'user_id',
        'must be 1 to 128 characters of letters, digits and ._@:|+- starting with a letter or digit',
      ],
    ],
  ],
  [
    'RescheduleAppointment: every field invalid',
    () =>
      parseRescheduleAppointment(
        RescheduleAppointmentRequest.fromPartial({
          appointmentId: 'xyz',
          userId: 'a b',
          newSlotId: '',
          requestId: '/',
        }),
      ),
    [
      ['appointment_id', 'must be 24 lowercase hexadecimal characters'],
      [
        'user_id',
        'must be 1 to 128 characters of letters, digits and ._@:|+- starting with a letter or digit',
      ],
      ['new_slot_id', 'is required'],
      ['request_id', 'must be 1 to 64 of A-Z a-z 0-9 _ -'],
    ],
  ],
  [
    'CancelAppointment: every field invalid',
    () =>
      parseCancelAppointment(
        CancelAppointmentRequest.fromPartial({
          appointmentId: '',
          userId: 'u'.repeat(200),
          reason: 'bell\u0007',
          requestId: 'r'.repeat(65),
        }),
      ),
    [
      ['appointment_id', 'is required'],
      [
        'user_id',
        'must be 1 to 128 characters of letters, digits and ._@:|+- starting with a letter or digit',
      ],
      ['reason', 'must not contain control characters'],
      ['request_id', 'must be 1 to 64 of A-Z a-z 0-9 _ -'],
    ],
  ],
  [
    'CancelAppointment: too long a reason',
    () =>
      parseCancelAppointment(
        CancelAppointmentRequest.fromPartial({ appointmentId: ID, userId: 'u', reason: 'r'.repeat(501) }),
      ),
    [['reason', 'must be at most 500 characters']],
  ],
  [
    'GetAppointment: a bad id',
    () => parseGetAppointment(GetAppointmentRequest.fromPartial({ appointmentId: 'xyz' })),
    [['appointment_id', 'must be 24 lowercase hexadecimal characters']],
  ],
  [
    'ListAppointments: every field invalid',
    () =>
      parseListAppointments(
        ListAppointmentsRequest.fromPartial({ userId: 'a b', status: 7 as AppointmentStatus, pageSize: -5 }),
      ),
    [
      [
        'user_id',
        'must be 1 to 128 characters of letters, digits and ._@:|+- starting with a letter or digit',
      ],
      ['status', 'is not a known appointment status'],
      ['page_size', 'must not be negative'],
    ],
  ],
  [
    'WatchSlotAvailability: an end before the start among other invalid fields',
    () =>
      parseWatchSlotAvailability(
        WatchSlotAvailabilityRequest.fromPartial({
          serviceId: 'xyz',
          startTime: new Date('2027-05-02T00:00:00Z'),
          endTime: new Date('2027-05-02T00:00:00Z'),
          sinceRevision: -1,
        }),
      ),
    [
      ['service_id', 'must be 24 lowercase hexadecimal characters'],
      ['end_time', 'must be after start_time'],
      ['since_revision', 'must be zero or a revision received from this API'],
    ],
  ],
  [
    'WatchSlotAvailability: invalid timestamps and revision',
    () =>
      parseWatchSlotAvailability(
        WatchSlotAvailabilityRequest.fromPartial({
          serviceId: '',
          startTime: new Date(NaN),
          endTime: new Date(NaN),
          sinceRevision: 1.5,
        }),
      ),
    [
      ['service_id', 'is required'],
      ['start_time', 'must be a valid timestamp'],
      ['end_time', 'must be a valid timestamp'],
      ['since_revision', 'must be zero or a revision received from this API'],
    ],
  ],
];

it.each(CASES)('%s', (_label, parse, expected) => {
  expect(violationList(parse)).toEqual(expected);
});

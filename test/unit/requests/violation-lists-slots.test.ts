/**
 * Characterisation: the exact violations (field, description, order) a slot request
 * with several invalid fields is refused with, as the hand-written parsers
 * reported them before the zod schemas.
 */
import {
  GenerateSlotsRequest,
  ListSlotsRequest,
  SetSlotStatusRequest,
} from '../../../src/gen/booking/v1/booking_service';
import { parseGenerateSlots, parseListSlots, parseSetSlotStatus } from '../../../src/rpc/requests';
import { SlotStatus } from '../../../src/gen/booking/v1/resources';
import { violationList } from './refusal';

const d = (year: number, month: number, day: number) => ({ year, month, day });

const CASES: [string, () => unknown, [string, string][]][] = [
  [
    'GenerateSlots: a bad id, an invalid start and no end',
    () =>
      parseGenerateSlots(GenerateSlotsRequest.fromPartial({ serviceId: 'xyz', startDate: d(2027, 2, 30) })),
    [
      ['service_id', 'must be 24 lowercase hexadecimal characters'],
      ['start_date', 'must be a valid calendar date'],
      ['end_date', 'is required'],
    ],
  ],
  [
    'GenerateSlots: a bad id and an end before the start',
    () =>
      parseGenerateSlots(
        GenerateSlotsRequest.fromPartial({
          serviceId: 'XYZ',
          startDate: d(2027, 5, 2),
          endDate: d(2027, 5, 1),
        }),
      ),
    [
      ['service_id', 'must be 24 lowercase hexadecimal characters'],
      ['end_date', 'must not be before start_date'],
    ],
  ],
  [
    'GenerateSlots: a range too long',
    () =>
      parseGenerateSlots(
        GenerateSlotsRequest.fromPartial({ serviceId: '', startDate: d(2027, 1, 1), endDate: d(2030, 1, 1) }),
      ),
    [
      ['service_id', 'is required'],
      ['end_date', 'must be at most 366 days after start_date'],
    ],
  ],
  [
    'ListSlots: an end before the start among other invalid fields',
    () =>
      parseListSlots(
        ListSlotsRequest.fromPartial({
          serviceId: 'xyz',
          startTime: new Date('2027-05-02T00:00:00Z'),
          endTime: new Date('2027-05-01T00:00:00Z'),
          status: 99 as SlotStatus,
          pageSize: -1,
        }),
      ),
    [
      ['service_id', 'must be 24 lowercase hexadecimal characters'],
      ['end_time', 'must be after start_time'],
      ['status', 'is not a known slot status'],
      ['page_size', 'must not be negative'],
    ],
  ],
  [
    'ListSlots: invalid timestamps',
    () =>
      parseListSlots(
        ListSlotsRequest.fromPartial({
          serviceId: '',
          startTime: new Date(NaN),
          endTime: new Date(NaN),
          status: -1,
        }),
      ),
    [
      ['service_id', 'is required'],
      ['start_time', 'must be a valid timestamp'],
      ['end_time', 'must be a valid timestamp'],
      ['status', 'is not a known slot status'],
    ],
  ],
  [
    'SetSlotStatus: no id and a status that cannot be set',
    () =>
      parseSetSlotStatus(
        SetSlotStatusRequest.fromPartial({ slotId: '', status: SlotStatus.SLOT_STATUS_BOOKED }),
      ),
    [
      ['slot_id', 'is required'],
      ['status', 'must be SLOT_STATUS_AVAILABLE or SLOT_STATUS_LOCKED'],
    ],
  ],
];

it.each(CASES)('%s', (_label, parse, expected) => {
  expect(violationList(parse)).toEqual(expected);
});

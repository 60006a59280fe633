import type { SlotRecord, SlotStatus } from '../../../domain/types';
import type { SlotEvent } from '../../../use-cases/ports';

/**
 * A slot as a stream entry carries it (JSON in the entry's `slot` field).
 * Times are epoch milliseconds; fields added later are optional so that
 * entries published by older instances still decode.
 */
interface EncodedSlot {
  id: string;
  serviceId: string;
  startTime: number;
  endTime: number;
  status: SlotRecord['status'];
  appointmentId: string | null;
  holdId: string | null;
  holdExpiresAt: number | null;
  revision: number;
  updatedAt: number;
  /** Absent in events published before capacities existed. */
  capacity?: number;
  placesTaken?: number;
  placesHeld?: { places: number; expiresAt: number }[];
}

/** The `slot` field of a stream entry. */
export const encodeSlot = (s: SlotRecord): string =>
  JSON.stringify({
    id: s.id,
    serviceId: s.serviceId,
    startTime: s.startTime.getTime(),
    endTime: s.endTime.getTime(),
    status: s.status,
    appointmentId: s.appointmentId,
    holdId: s.holdId,
    holdExpiresAt: s.holdExpiresAt?.getTime() ?? null,
    revision: s.revision,
    updatedAt: s.updatedAt.getTime(),
    capacity: s.capacity,
    placesTaken: s.placesTaken,
    placesHeld: s.placesHeld.map((h) => ({ places: h.places, expiresAt: h.expiresAt.getTime() })),
  } satisfies EncodedSlot);

/** A stream entry (`0-<revision>`, fields prev, before, slot) as the event it records. */
export function decodeEntry([id, fields]: [string, string[]]): SlotEvent {
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) map.set(fields[i]!, fields[i + 1]!);
  const s = JSON.parse(map.get('slot') ?? '{}') as EncodedSlot;
  const before = map.get('before') ?? '';
  return {
    revision: Number(id.slice(2)),
    previousRevision: Number(map.get('prev') ?? 0),
    previousStatus: before === '' ? null : (before as SlotStatus),
    slot: {
      id: s.id,
      serviceId: s.serviceId,
      startTime: new Date(s.startTime),
      endTime: new Date(s.endTime),
      status: s.status,
      appointmentId: s.appointmentId,
      holdId: s.holdId,
      holdExpiresAt: s.holdExpiresAt === null ? null : new Date(s.holdExpiresAt),
      revision: s.revision,
      updatedAt: new Date(s.updatedAt),
      capacity: s.capacity ?? 1,
      placesTaken: s.placesTaken ?? 0,
      placesRev: 0,
      placesHeld: (s.placesHeld ?? []).map((h) => ({ places: h.places, expiresAt: new Date(h.expiresAt) })),
    },
  };
}

/**
 * What a fan-out subscriber process reads of a WatchSlotAvailabilityResponse: its type and the
 * revision of each change it carries, straight from the wire, skipping the slots. A load
 * generator that decoded every slot in full (dates, prices) would spend more CPU than the server
 * it measures on the same two cores; `--full-decode` runs the generated decoder instead, to see
 * the difference.
 */
import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';
import {
  BookingServiceService,
  WatchEventType,
  type WatchSlotAvailabilityRequest,
} from '../../src/gen/booking/v1/booking_service';

export interface WatchRevisions {
  type: WatchEventType;
  /** The message's own revision (the last change's, for a batch). */
  revision: number;
  /** The revisions of a batched message's changes, in order; empty for a single change. */
  changes: number[];
}

const method = BookingServiceService.watchSlotAvailability;
export const WATCH_PATH = method.path;
export const serializeRequest = (r: WatchSlotAvailabilityRequest): Buffer => method.requestSerialize(r);

/** Reads WatchChange.revision (field 3) from an encoded WatchChange. */
function changeRevision(bytes: Uint8Array): number {
  const r = new BinaryReader(bytes);
  let revision = 0;
  while (r.pos < r.len) {
    const [field, wire] = r.tag();
    if (field === 3 && wire === WireType.Varint) revision = Number(r.int64());
    else r.skip(wire);
  }
  return revision;
}

/** Reads type (1), revision (4) and changes (5) of a WatchSlotAvailabilityResponse. */
export function watchRevisions(buf: Buffer): WatchRevisions {
  const r = new BinaryReader(buf);
  const out: WatchRevisions = { type: WatchEventType.WATCH_EVENT_TYPE_UNSPECIFIED, revision: 0, changes: [] };
  while (r.pos < r.len) {
    const [field, wire] = r.tag();
    if (field === 1 && wire === WireType.Varint) out.type = r.int32();
    else if (field === 4 && wire === WireType.Varint) out.revision = Number(r.int64());
    else if (field === 5 && wire === WireType.LengthDelimited) out.changes.push(changeRevision(r.bytes()));
    else r.skip(wire);
  }
  return out;
}

import { BinaryWriter } from '@bufbuild/protobuf/wire';
import {
  WatchChange,
  WatchEventType,
  WatchSlotAvailabilityResponse,
} from '../../gen/booking/v1/booking_service';
import { SlotStatus as PbSlotStatus } from '../../gen/booking/v1/resources';
import type { SlotEvent } from '../../use-cases/ports';
import type { WatchMessage } from '../../use-cases/watch/watch-slot-availability';
import { slotStatusToPb, slotToPb } from '../codec';

/**
 * Watch messages as bytes. A change goes to every subscriber of a service in
 * the same bytes, so it is encoded once per instance, not once per
 * subscriber (the fan-out profile's hot spot); so is a batch that several
 * subscribers receive alike (they usually do: they fall behind together).
 */
const singles = new WeakMap<SlotEvent, Buffer>();
const parts = new WeakMap<SlotEvent, Uint8Array>();
const batches = new WeakMap<SlotEvent, { events: readonly SlotEvent[]; bytes: Buffer }[]>();
const seen = new WeakSet<SlotEvent>();
/** Distinct batches remembered per first change; more are encoded but not kept. */
const BATCHES_PER_EVENT = 8;

const previousStatusOf = (event: SlotEvent): PbSlotStatus =>
  event.previousStatus ? slotStatusToPb(event.previousStatus) : PbSlotStatus.SLOT_STATUS_UNSPECIFIED;

/**
 * One change in a message of its own. `onFirst` runs when this instance
 * encodes the change for the first time (once per change and instance).
 */
export function encodedChange(event: SlotEvent, onFirst?: (event: SlotEvent) => void): Buffer {
  let bytes = singles.get(event);
  if (!bytes) {
    bytes = Buffer.from(
      WatchSlotAvailabilityResponse.encode({
        type: WatchEventType.WATCH_EVENT_TYPE_CHANGE,
        slot: slotToPb(event.slot),
        previousStatus: previousStatusOf(event),
        revision: event.revision,
        changes: [],
      }).finish(),
    );
    singles.set(event, bytes);
    firstTime(event, onFirst);
  }
  return bytes;
}

function firstTime(event: SlotEvent, onFirst: ((event: SlotEvent) => void) | undefined): void {
  if (seen.has(event)) return;
  seen.add(event);
  onFirst?.(event);
}

function changePart(event: SlotEvent): Uint8Array {
  let bytes = parts.get(event);
  if (!bytes) {
    bytes = WatchChange.encode({
      slot: slotToPb(event.slot),
      previousStatus: previousStatusOf(event),
      revision: event.revision,
    }).finish();
    parts.set(event, bytes);
  }
  return bytes;
}

/** Two or more changes, in revision order, in one CHANGE message (`changes`). */
export function encodedBatch(events: readonly SlotEvent[], onFirst?: (event: SlotEvent) => void): Buffer {
  const first = events[0]!;
  const known = batches.get(first);
  const hit = known?.find(
    (b) => b.events.length === events.length && b.events.every((e, i) => e === events[i]),
  );
  if (hit) return hit.bytes;
  const w = new BinaryWriter();
  w.uint32(8).int32(WatchEventType.WATCH_EVENT_TYPE_CHANGE);
  w.uint32(32).int64(events[events.length - 1]!.revision);
  for (const e of events) {
    firstTime(e, onFirst);
    w.uint32(42).bytes(changePart(e));
  }
  const bytes = Buffer.from(w.finish());
  const entry = { events: [...events], bytes };
  if (!known) batches.set(first, [entry]);
  else if (known.length < BATCHES_PER_EVENT) known.push(entry);
  return bytes;
}

/** Every other message: snapshot entries, SYNCED, heartbeats. */
export function otherMessage(
  m: Exclude<WatchMessage, { type: 'CHANGE' }> | { type: 'HEARTBEAT'; revision: number },
): WatchSlotAvailabilityResponse {
  const base = {
    slot: undefined,
    previousStatus: PbSlotStatus.SLOT_STATUS_UNSPECIFIED,
    revision: m.revision,
    changes: [],
  };
  switch (m.type) {
    case 'SNAPSHOT':
      return { ...base, type: WatchEventType.WATCH_EVENT_TYPE_SNAPSHOT, slot: slotToPb(m.slot) };
    case 'SYNCED':
      return { ...base, type: WatchEventType.WATCH_EVENT_TYPE_SYNCED };
    case 'HEARTBEAT':
      return { ...base, type: WatchEventType.WATCH_EVENT_TYPE_HEARTBEAT };
  }
}

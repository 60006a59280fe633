import type { SlotChange, SlotEvents } from '../../services/ports';

/** Slot events that go nowhere: for tools and tests that do not watch. */
export class NoopSlotEvents implements SlotEvents {
  changed(_change: SlotChange): void {}
}

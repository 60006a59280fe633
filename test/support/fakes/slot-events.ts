import type { SlotRecord } from '../../../src/domain/types';
import type { SlotChange, SlotEvents } from '../../../src/use-cases/ports';
import { copy } from './ids';
import type { FakeSlotEventLog } from './slot-event-log';

/**
 * What the use cases tell subscribers, kept for tests to look at, and
 * published to the world's event log (as RedisSlotEventLog does: every change
 * and every announcement becomes the service's next event).
 */
export class FakeSlotEvents implements SlotEvents {
  readonly changes: SlotChange[] = [];
  readonly announced: SlotRecord[] = [];

  constructor(private readonly log: FakeSlotEventLog) {}

  changed(change: SlotChange): void {
    this.changes.push(copy(change));
    this.log.publish(change.after, change.before.status);
  }

  announce(slots: readonly SlotRecord[]): void {
    for (const slot of slots) {
      this.announced.push(copy(slot));
      this.log.publish(slot, null);
    }
  }

  /** The reconciler's republish: announces the slots again; how many. */
  republish(slots: readonly SlotRecord[]): Promise<number> {
    this.announce(slots);
    return Promise.resolve(slots.length);
  }

  /** Changes of one slot told so far, oldest first. */
  changesOf(slotId: string): SlotChange[] {
    return this.changes.filter((c) => c.after.id === slotId);
  }
}

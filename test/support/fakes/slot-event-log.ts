import type { SlotRecord, SlotStatus } from '../../../src/domain/types';
import type { EventSubscription, SlotEvent, SlotEventLog } from '../../../src/use-cases/ports';
import { copy } from './ids';

type Handlers = Parameters<SlotEventLog['subscribe']>[2];

/**
 * The per-service event log in memory: each published slot state is the
 * service's next revision; the oldest are trimmed beyond `maxLength`, and a
 * subscriber asking for history that is gone is told 'too-old'. A subscriber
 * gets the history after its revision, then every event as it is published.
 */
export class FakeSlotEventLog implements SlotEventLog {
  private readonly logs = new Map<string, { latest: number; events: SlotEvent[] }>();
  private readonly subscribers = new Map<string, Set<Handlers>>();

  constructor(private readonly maxLength = 10_000) {}

  publish(slot: SlotRecord, previousStatus: SlotStatus | null): SlotEvent {
    const log = this.logOf(slot.serviceId);
    const event: SlotEvent = {
      revision: log.latest + 1,
      previousRevision: log.latest,
      slot: copy(slot),
      previousStatus,
    };
    log.latest = event.revision;
    log.events.push(event);
    if (log.events.length > this.maxLength) log.events.splice(0, log.events.length - this.maxLength);
    for (const h of this.subscribers.get(slot.serviceId) ?? []) h.onEvent(copy(event));
    return event;
  }

  latestRevision(serviceId: string): Promise<number> {
    return Promise.resolve(this.logs.get(serviceId)?.latest ?? 0);
  }

  async subscribe(serviceId: string, afterRevision: number, handlers: Handlers): Promise<EventSubscription> {
    const log = this.logOf(serviceId);
    const oldest = log.events[0]?.revision ?? log.latest + 1;
    if (afterRevision + 1 < oldest && afterRevision < log.latest) {
      handlers.onError('too-old');
      return { close: () => undefined };
    }
    for (const event of log.events.filter((e) => e.revision > afterRevision)) {
      await handlers.room();
      handlers.onEvent(copy(event));
    }
    handlers.onProgress(log.latest);
    const subs = this.subscribers.get(serviceId) ?? new Set<Handlers>();
    this.subscribers.set(serviceId, subs);
    subs.add(handlers);
    return { close: () => subs.delete(handlers) };
  }

  /** Every event of a service still kept, oldest first. */
  eventsOf(serviceId: string): SlotEvent[] {
    return copy(this.logs.get(serviceId)?.events ?? []);
  }

  private logOf(serviceId: string): { latest: number; events: SlotEvent[] } {
    let log = this.logs.get(serviceId);
    if (!log) this.logs.set(serviceId, (log = { latest: 0, events: [] }));
    return log;
  }
}

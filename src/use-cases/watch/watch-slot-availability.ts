import { DomainError, serviceNotFound } from '../../domain/errors';
import { effectiveSlot, type SlotRecord } from '../../domain/types';
import type {
  Clock,
  EventSubscription,
  ServiceRepository,
  SlotEvent,
  SlotEventLog,
  SlotRepository,
} from '../ports';

export type WatchMessage =
  | { type: 'SNAPSHOT'; slot: SlotRecord; revision: number }
  | { type: 'SYNCED'; revision: number }
  /** `event` is shared by every subscriber it goes to (the transport encodes it once). */
  | { type: 'CHANGE'; event: SlotEvent; revision: number };

/** Where a watch delivers: the transport's bounded, back-pressured stream. */
export interface WatchSink {
  push(message: WatchMessage): void;
  /** The log moved on to `revision`: the resume point a heartbeat reports. */
  progress(revision: number): void;
  end(error: DomainError): void;
  /** Resolves when the sink has room again (the client is reading). */
  room(): Promise<void>;
  readonly closed: boolean;
}

const SNAPSHOT_PAGE = 500;

/**
 * WatchSlotAvailability: live availability (like a Kubernetes or etcd watch): an optional snapshot
 * then every change, from the shared event log, in revision order.
 *
 * The snapshot is read after noting the log's revision R0, and changes after
 * R0 follow; a change the snapshot already shows is recognised by the slot's
 * own revision and skipped, so nothing between snapshot and first event is
 * missed and no slot ever goes back to an older state.
 */
export class WatchSlotAvailability {
  constructor(
    private readonly deps: {
      services: Pick<ServiceRepository, 'findById'>;
      slots: Pick<SlotRepository, 'list'>;
      log: SlotEventLog;
      clock: Clock;
    },
  ) {}

  async run(
    q: {
      serviceId: string;
      from: Date | null;
      to: Date | null;
      sinceRevision: number;
      snapshot: boolean;
    },
    sink: WatchSink,
  ): Promise<EventSubscription> {
    const { log } = this.deps;
    if (!(await this.deps.services.findById(q.serviceId))) throw serviceNotFound(q.serviceId);
    const inRange = (slot: SlotRecord): boolean =>
      (q.from === null || slot.startTime >= q.from) && (q.to === null || slot.startTime < q.to);
    // Slot id -> revision the snapshot showed, until a newer change of that slot passes:
    // the log itself never goes back for a slot (its script drops older states), so
    // after that first change nothing needs remembering (no per-subscriber map of every
    // slot ever changed).
    const delivered = new Map<string, number>();

    const unavailable = (err: unknown): never => {
      if (err instanceof DomainError) throw err;
      throw new DomainError('EVENTS_UNAVAILABLE', 'the event log is unavailable; retry', {
        serviceId: q.serviceId,
      });
    };
    let after = q.sinceRevision;
    if (q.snapshot) {
      after = await log.latestRevision(q.serviceId).catch(unavailable);
      await this.snapshot(q, after, delivered, sink);
      sink.push({ type: 'SYNCED', revision: after });
    } else if (after === 0) {
      after = await log.latestRevision(q.serviceId).catch(unavailable);
    }
    if (sink.closed) return { close: () => undefined };

    return log
      .subscribe(q.serviceId, after, {
        room: () => sink.room(),
        onEvent: (event) => {
          if (!inRange(event.slot)) return sink.progress(event.revision);
          const shown = delivered.get(event.slot.id);
          if (shown !== undefined) {
            if (event.slot.revision <= shown) return sink.progress(event.revision);
            delivered.delete(event.slot.id);
          }
          sink.push({ type: 'CHANGE', event, revision: event.revision });
        },
        onProgress: (revision) => sink.progress(revision),
        onError: (reason) =>
          sink.end(
            reason === 'too-old'
              ? new DomainError(
                  'REVISION_TOO_OLD',
                  `changes after revision ${after} are no longer available; watch again with a snapshot`,
                  { serviceId: q.serviceId },
                )
              : new DomainError('EVENTS_UNAVAILABLE', 'the event log is unavailable; resume later', {
                  serviceId: q.serviceId,
                }),
          ),
      })
      .catch(unavailable);
  }

  private async snapshot(
    q: { serviceId: string; from: Date | null; to: Date | null },
    revision: number,
    delivered: Map<string, number>,
    sink: WatchSink,
  ): Promise<void> {
    let after: { key: number; id: string } | null = null;
    for (;;) {
      const now = this.deps.clock();
      const { rows: page, resumeAfter } = await this.deps.slots.list({
        serviceId: q.serviceId,
        from: q.from,
        to: q.to,
        status: null,
        now,
        after,
        limit: SNAPSHOT_PAGE,
      });
      for (const slot of page) {
        if (sink.closed) return;
        delivered.set(slot.id, slot.revision);
        sink.push({ type: 'SNAPSHOT', slot: effectiveSlot(slot, now), revision });
      }
      if (page.length < SNAPSHOT_PAGE) {
        // A short page ends the snapshot, unless the listing stopped before the end of the window.
        if (!resumeAfter) return;
        after = resumeAfter;
        continue;
      }
      await sink.room(); // a big snapshot goes at the client's pace
      const last = page[page.length - 1]!;
      after = { key: last.startTime.getTime(), id: last.id };
    }
  }
}

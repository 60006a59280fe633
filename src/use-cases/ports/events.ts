import type { SlotRecord, SlotStatus } from '../../domain/types';
import type { SlotChange } from './slots';

/** Told of every change of a slot, to tell availability subscribers. */
export interface SlotEvents {
  changed(change: SlotChange): void;
  /** New slots, or slots whose latest state may not have been announced (repair). */
  announce(slots: readonly SlotRecord[]): void;
}

/** One change of a slot, as published: the service's revision orders them. */
export interface SlotEvent {
  revision: number;
  /** The revision the service was at before this one: gaps show as a mismatch. */
  previousRevision: number;
  slot: SlotRecord;
  previousStatus: SlotStatus | null;
}

/** A live subscription to a service's events. */
export interface EventSubscription {
  close(): void;
}

/**
 * The per-service, ordered, trimmed log of slot events shared by every
 * instance (Redis Streams).
 */
export interface SlotEventLog {
  /** The latest revision of a service; 0 when it has none. */
  latestRevision(serviceId: string): Promise<number>;
  /**
   * Delivers, in order, every event after `afterRevision` (history first,
   * then live), calling `onError` once if that cannot be done: with
   * `'too-old'` when history after `afterRevision` is gone, or with an
   * error when the log is unreachable for too long.
   */
  subscribe(
    serviceId: string,
    afterRevision: number,
    handlers: {
      onEvent(event: SlotEvent): void;
      /** The log moved on to `revision` (events may have been filtered out). */
      onProgress(revision: number): void;
      onError(reason: 'too-old' | Error): void;
      /** Resolves when the subscriber can take more history. */
      room(): Promise<void>;
    },
  ): Promise<EventSubscription>;
}

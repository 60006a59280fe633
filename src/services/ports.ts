/**
 * What the use cases need from the outside world. Implemented in `src/infra`,
 * wired in `src/app.ts`; each service receives only the ports it uses.
 */
import type {
  AppointmentRecord,
  AppointmentStatus,
  ServiceDefinition,
  ServiceRecord,
  SlotRecord,
  SlotStatus,
} from '../domain/types';
import type { PlannedSlot } from '../domain/slot-plan';

/** A position in a sorted listing: the sort key of the last item and its id. */
export interface Cursor {
  key: number;
  id: string;
}

export interface ServiceRepository {
  create(def: ServiceDefinition, now: Date): Promise<ServiceRecord>;
  findById(id: string): Promise<ServiceRecord | null>;
  findByIds(ids: readonly string[]): Promise<ServiceRecord[]>;
  /** Ordered by id (creation order). */
  list(opts: { activeOnly: boolean; after: string | null; limit: number }): Promise<ServiceRecord[]>;
}

export interface SlotRepository {
  /** Inserts the slots that do not exist yet; the unique (service, start) index decides. */
  insertMissing(
    serviceId: string,
    slots: readonly PlannedSlot[],
    now: Date,
  ): Promise<{ created: number; existing: number }>;
  findById(id: string): Promise<SlotRecord | null>;
  findByIds(ids: readonly string[]): Promise<SlotRecord[]>;
  /** Ordered by start time, then id. */
  list(opts: {
    serviceId: string;
    from: Date | null;
    to: Date | null;
    status: SlotStatus | null;
    after: Cursor | null;
    limit: number;
  }): Promise<SlotRecord[]>;
  /**
   * The conditional update that takes a slot: AVAILABLE, of the service if
   * given, not started yet, becomes BOOKED by `appointmentId`. Null when no
   * slot matched.
   */
  claim(opts: {
    slotId: string;
    appointmentId: string;
    serviceId: string | null;
    now: Date;
  }): Promise<SlotRecord | null>;
  /**
   * Gives back a slot taken by `appointmentId`: it becomes BOOKED by
   * `heldBy` when another appointment holds the slot, else AVAILABLE. Only
   * when the slot still points at `appointmentId`. True when it changed.
   */
  releaseClaim(opts: {
    slotId: string;
    appointmentId: string;
    heldBy: string | null;
    now: Date;
  }): Promise<boolean>;
  /** AVAILABLE <-> LOCKED; null when the slot is not in `from`. */
  transition(opts: {
    slotId: string;
    from: SlotStatus;
    to: SlotStatus;
    now: Date;
  }): Promise<SlotRecord | null>;
}

export class DuplicateSlotClaimError extends Error {
  override readonly name = 'DuplicateSlotClaimError';
}

export interface AppointmentRepository {
  /**
   * Records a CONFIRMED appointment. The unique slot-claim index admits one
   * confirmed appointment per slot: throws DuplicateSlotClaimError when the
   * slot already has one.
   */
  insertConfirmed(appointment: AppointmentRecord): Promise<void>;
  findById(id: string): Promise<AppointmentRecord | null>;
  findConfirmedBySlot(slotId: string): Promise<AppointmentRecord | null>;
  /** CONFIRMED -> CANCELLED, releasing its slot claim. Null when not CONFIRMED. */
  cancel(opts: { appointmentId: string; now: Date; reason: string }): Promise<AppointmentRecord | null>;
  /** A user's appointments, newest first (by creation time, then id). */
  listByUser(opts: {
    userId: string;
    status: AppointmentStatus | null;
    after: Cursor | null;
    limit: number;
  }): Promise<AppointmentRecord[]>;
}

/** Result of trying the per-slot lock: the fast gate in front of the database. */
export type GateResult =
  | { outcome: 'acquired'; release(): Promise<void> }
  | { outcome: 'busy' }
  | { outcome: 'unavailable'; error: Error };

export interface SlotGate {
  tryAcquire(slotId: string): Promise<GateResult>;
}

export type Clock = () => Date;

/** Result of trying the per-slot lock: the fast gate in front of the database. */
export type GateResult =
  | { outcome: 'acquired'; release(): Promise<void> }
  /**
   * Held by another request. `byRepair`: by a background repair (or let go
   * since), which requests may briefly wait for rather than give up.
   */
  | {
      outcome: 'busy';
      byRepair: boolean;
      /**
       * The slot is known to have several places (SlotGate.markPlaces): the
       * holder is another booker, and places may be left after it, so the
       * request waits briefly rather than give up.
       */
      places?: boolean;
    }
  /** Known to be booked by `by` (a short-lived marker): refused without the database. */
  | { outcome: 'taken'; by: string }
  | { outcome: 'unavailable'; error: Error };

export interface SlotGate {
  /**
   * `ignoreTaken`: lock even a slot marked taken (repairs, which may free it).
   * `repair`: a background repair; whoever finds the gate held by it is told `byRepair`.
   */
  tryAcquire(slotId: string, opts?: { ignoreTaken?: boolean; repair?: boolean }): Promise<GateResult>;
  /**
   * Remembers for a short, bounded time that a slot is booked, so that
   * further attempts are refused without the database. Best effort.
   */
  markTaken(slotId: string, appointmentId: string): void;
  /** Forgets it (the slot was freed). Best effort: the marker expires anyway. */
  clearTaken(slotId: string): void;
  /** Remembers for a while that a slot has several places (see GateResult `places`). Best effort. */
  markPlaces(slotId: string): void;
}

/** What the chaos traffic is configured with, what it counts, and what each client was told. */
import type { Rng } from '../util';

export const OP_KINDS = ['book', 'hold', 'confirm', 'release', 'cancel', 'reschedule', 'read'] as const;
export type OpKind = (typeof OP_KINDS)[number];

export interface Violation {
  invariant: string;
  detail: string;
}

export interface TrafficStats {
  ops: Record<string, number>;
  successes: Record<string, number>;
  /** `kind REASON` -> count of operations that failed definitively. */
  failures: Record<string, number>;
  /** Operations whose outcome stayed ambiguous after all retries, by kind. */
  unknown: Record<string, number>;
  attempts: number;
  /** Retried attempts by what they failed with. */
  retries: Record<string, number>;
  /** Holds: confirmations tried after the hold's expiry on purpose, and how they ended. */
  lateConfirms: { tried: number; refused: number };
  latencyMs: Record<string, number[]>;
  /** Unknown outcomes by the last attempt's answer. */
  unknownLast: Record<string, number>;
  /** Unknown outcomes resolved later by listing: appointments found (adopted), or found absent. */
  resolved: { adopted: number; absent: number };
}

/** What a client was told, for the final check. */
export interface ClientTruth {
  userId: string;
  /** Appointments it was told it holds: id -> the slot it last moved it to. */
  appointments: Map<string, string>;
  /** Appointments it was told it cancelled. */
  cancelled: Set<string>;
  /**
   * Appointments (or confirmed holds) whose state it does not know, since when:
   * an operation on them ended with an unknown outcome. After a quarantine
   * (no attempt of that operation can still be running), the client learns
   * their state by listing its appointments, and adopts those it finds.
   */
  uncertain: Map<string, number>;
  /** Slots it tried to book with an unknown outcome, since when: an appointment there may exist. */
  unknownBookSlots: Map<string, number>;
  /** Appointments already reported as a violation: left out of all further checks. */
  reported: Set<string>;
  /**
   * BookSlot calls that did not succeed, by the id their appointment would
   * have (the server names it after the request_id; a hold's is the hold's):
   * the evidence should one turn up after all.
   */
  history: Map<string, string>;
  /** Holds it confirmed: for the expiry rule. */
  confirmedHolds: { id: string; expireMs: number; firstSentMs: number }[];
}

export interface TrafficControl {
  stopped: boolean;
  hardStopMs: number;
}

export interface TrafficOptions {
  serviceId: string;
  slotIds: string[];
  /** The slots among them with several places: bookings and holds of them take parties of 1 or 2. */
  multiSlotIds: string[];
  ports: number[];
  clients: number;
  /** Set `stopped` to end the traffic; operations under way may retry until `hardStopMs`, then give up. */
  control: TrafficControl;
  callTimeoutMs: number;
  maxAttempts: number;
  holdConfirmMarginMs: number;
  maxAppointmentsPerClient: number;
  /** How long after an unknown outcome the client trusts a listing to tell what happened. */
  quarantineMs: number;
  rng: Rng;
  runTag: string;
  /** Told of each online violation as it happens. */
  onViolation?: (v: Violation) => void;
}

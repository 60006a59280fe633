/** The jobs a load process (bench/worker.ts) runs, and what it answers with. */
import type { HistogramJson } from '../lib/stats';

export interface SlotRef {
  id: string;
  serviceId: string;
  startTime: number;
  endTime: number;
}

export type Job =
  | {
      kind: 'spread-rpc';
      target: string;
      clients: { userId: string; slotIds: string[] }[];
      durationMs: number;
      startAt: number;
    }
  | {
      kind: 'spread-floor';
      mongoUri: string;
      db: string;
      clients: { userId: string; slots: SlotRef[] }[];
      durationMs: number;
      startAt: number;
    }
  | {
      kind: 'hot-rpc';
      target: string;
      slotIds: string[];
      perSlot: number;
      prefix: string;
      retries: number;
      backoffMs: number;
      channels: number;
      startAt: number;
    }
  | {
      kind: 'hot-floor';
      mongoUri: string;
      db: string;
      slots: SlotRef[];
      perSlot: number;
      prefix: string;
      poolSize: number;
      startAt: number;
      /** Attempts not sent by then are counted, not sent: the rate is what was done in the time. */
      maxMs: number;
    }
  | { kind: 'subscribe'; target: string; serviceId: string; count: number; perChannel: number }
  | { kind: 'ping' }
  | { kind: 'progress' }
  | { kind: 'collect'; commits: Record<string, number> }
  | {
      kind: 'book-every';
      target: string;
      slotIds: string[];
      intervalMs: number;
      userId: string;
      startAt: number;
    }
  | { kind: 'generate-rpc'; target: string; serviceId: string; startDate: LocalDate; endDate: LocalDate }
  | {
      kind: 'generate-floor';
      mongoUri: string;
      db: string;
      serviceId: string;
      from: number;
      count: number;
      minutes: number;
    }
  | { kind: 'history-rpc'; target: string; userId: string; pageSize: number; rounds: number }
  | { kind: 'history-floor'; mongoUri: string; db: string; userId: string; pageSize: number; rounds: number };

export interface LocalDate {
  year: number;
  month: number;
  day: number;
}

/** What a job returns: counters by outcome, histograms in ms, and job-specific numbers. */
export interface JobResult {
  outcomes: Record<string, number>;
  latency: HistogramJson;
  /** Per logical client, first attempt to final answer (hot-rpc). */
  endToEnd?: HistogramJson;
  /** MongoDB commands this process sent, by name (floor jobs). */
  ops?: Record<string, number>;
  wallMs: number;
  extra?: Record<string, unknown>;
}

/**
 * One gRPC call of the chaos traffic: the channel settings, how a failed
 * attempt is decoded and classified (clean, ambiguous, final), and the
 * shape of a logical call's outcome over its attempts.
 */
import { type Metadata, status as Code, type ServiceError } from '@grpc/grpc-js';
import { errorInfoReason } from '../../../bench/lib/grpc-calls';
import type { BookingServiceClient } from '../../../src/gen/booking/v1/booking_service';

export const CHANNEL_OPTIONS = {
  // A restarted instance is found again quickly (the defaults back off up to two minutes).
  'grpc.initial_reconnect_backoff_ms': 100,
  'grpc.min_reconnect_backoff_ms': 100,
  'grpc.max_reconnect_backoff_ms': 1_000,
  'grpc.enable_retries': 0,
};

export interface CallFailure {
  code: Code;
  reason: string;
  message: string;
}

/** Decodes the gRPC status and the ErrorInfo reason of a failed call. */
export function callFailure(err: unknown): CallFailure {
  const e = err as Partial<ServiceError>;
  if (typeof e?.code !== 'number') {
    return { code: Code.UNKNOWN, reason: 'CLIENT_ERROR', message: String(err) };
  }
  const code = e.code;
  const reason = errorInfoReason(e) ?? Code[code] ?? String(code);
  return { code, reason, message: e.details ?? '' };
}

/**
 * How an attempt's failure is handled: `clean` failures did nothing and may be
 * retried; `ambiguous` ones may have done some or all of the work (retry with
 * the same request_id to learn the outcome); `final` ones are the answer.
 */
export function classify(f: CallFailure): 'clean' | 'ambiguous' | 'final' {
  if (f.code === Code.ABORTED) return f.reason === 'SLOT_BUSY' ? 'clean' : 'final';
  if (f.code === Code.UNAVAILABLE) return f.reason === 'LOCK_UNAVAILABLE' ? 'clean' : 'ambiguous';
  return AMBIGUOUS_CODES.has(f.code) ? 'ambiguous' : 'final';
}

/** No retry starts later than this after the first attempt (the instances remember request_ids for 60 s). */
export const RETRY_BUDGET_MS = 40_000;

export const iso = (ms: number): string => new Date(ms).toISOString().slice(11, 23);

const AMBIGUOUS_CODES = new Set<Code>([Code.DEADLINE_EXCEEDED, Code.CANCELLED, Code.UNKNOWN, Code.INTERNAL]);

/** `trail`: each attempt's instance, send time and answer, for violation reports. */
export type Outcome<Res> =
  | { ok: true; res: Res; firstSentMs: number; lastReceivedMs: number; trail: string }
  | {
      ok: false;
      unknown: boolean;
      failure: CallFailure;
      firstSentMs: number;
      lastReceivedMs: number;
      trail: string;
    };

export type Send<Res> = (client: BookingServiceClient, metadata: Metadata, deadline: Date) => Promise<Res>;

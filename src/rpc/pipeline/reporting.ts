import { status as Code } from '@grpc/grpc-js';
import type { Metrics } from '../../infra/metrics/metrics';
import { CallFailure, elapsedMs, type Middleware, type RpcCall } from './call';

/** What a successful booking operation counts as in booking_outcomes_total. */
const BOOKING_OUTCOMES: Readonly<Record<string, string>> = {
  BookSlot: 'booked',
  HoldSlot: 'held',
  ReleaseHold: 'released',
  CancelAppointment: 'cancelled',
  RescheduleAppointment: 'rescheduled',
};

/** The failure a call ended with, or null when it succeeded (or the client cancelled a stream). */
async function outcomeOf(next: () => Promise<void>): Promise<CallFailure | null> {
  try {
    await next();
    return null;
  } catch (err) {
    if (err instanceof CallFailure) return err;
    throw err;
  }
}

const codeName = (failure: CallFailure): string => Code[failure.classified.error.code] ?? 'UNKNOWN';

/**
 * Prometheus: a unary call counts in booking_grpc_server_handled_total and
 * booking_grpc_server_handling_seconds (and booking_outcomes_total for the
 * booking operations); a stream counts only when the server ends it
 * (booking_watch_streams_ended_total, by reason).
 */
export const metricsOf =
  (metrics: Metrics): Middleware =>
  async (call, next) => {
    const failure = await outcomeOf(next);
    if (call.stream) {
      if (failure?.ended) metrics.watchStreamsEnded.inc({ reason: failure.classified.reason });
    } else {
      const code = failure ? codeName(failure) : 'OK';
      const reason = failure ? failure.classified.reason : 'OK';
      recordUnary(metrics, call, code, reason);
    }
    if (failure) throw failure;
  };

function recordUnary(metrics: Metrics, call: RpcCall, code: string, reason: string): void {
  const method = call.method;
  metrics.calls.inc({ method, code, reason });
  metrics.callSeconds.observe({ method, code }, elapsedMs(call) / 1000);
  const success = BOOKING_OUTCOMES[method];
  if (success) {
    metrics.bookingOutcomes.inc({
      operation: method,
      outcome: code === 'OK' ? success : reason.toLowerCase(),
    });
  }
}

/**
 * One line per unary call with method, principal, status and duration:
 * expected errors at info with their reason, outages at warn, bugs at error
 * with the stack. A stream logs its refusal or its end by the server (its
 * start is the handler's line).
 */
export const logging: Middleware = async (call, next) => {
  const failure = await outcomeOf(next);
  const log = call.logger;
  if (call.stream) {
    if (!failure) return;
    const { classified, thrown } = failure;
    if (failure.ended) log.info({ code: codeName(failure), reason: classified.reason }, 'watch ended');
    else if (classified.kind === 'bug') log.error({ err: thrown }, 'watch failed with an unexpected error');
    else log.info({ reason: classified.reason }, 'watch refused');
    throw failure;
  }
  const ms = elapsedMs(call);
  if (!failure) return log.info({ code: 'OK', ms }, 'call');
  const { classified, thrown } = failure;
  const fields = { code: codeName(failure), reason: classified.reason, ms };
  if (classified.kind === 'expected') log.info(fields, 'call');
  else if (classified.kind === 'transient') log.warn({ ...fields, err: thrown }, 'call');
  else log.error({ ...fields, err: thrown }, 'call failed with an unexpected error');
  throw failure;
};

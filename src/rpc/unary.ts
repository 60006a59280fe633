import { randomUUID } from 'node:crypto';
import {
  status as Code,
  Metadata,
  type handleUnaryCall,
  type ServerUnaryCall,
  type sendUnaryData,
} from '@grpc/grpc-js';
import { DomainError } from '../domain/errors';
import type { Principal, Role } from '../domain/principal';
import type { Logger } from '../logger';
import type { CallGuard } from './call-guard';
import { classifyError } from './error-status';
import { isMalformed } from './tolerant-service';
import type { Metrics } from '../infra/metrics/metrics';

/** What a successful booking operation counts as in booking_outcomes_total. */
const BOOKING_OUTCOMES: Readonly<Record<string, string>> = {
  BookSlot: 'booked',
  HoldSlot: 'held',
  ReleaseHold: 'released',
  CancelAppointment: 'cancelled',
  RescheduleAppointment: 'rescheduled',
};

function record(metrics: Metrics, method: string, code: string, reason: string, ms: number): void {
  metrics.calls.inc({ method, code, reason });
  metrics.callSeconds.observe({ method, code }, ms / 1000);
  const success = BOOKING_OUTCOMES[method];
  if (success) {
    metrics.bookingOutcomes.inc({
      operation: method,
      outcome: code === 'OK' ? success : reason.toLowerCase(),
    });
  }
}

export interface CallContext {
  requestId: string;
  logger: Logger;
  /** Who is calling (verified token), already checked against the RPC's roles. */
  principal: Principal;
  /** Aborted when the client cancels or its deadline passes. */
  signal: AbortSignal;
}

const REQUEST_ID_HEADER = 'x-request-id';
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The caller's request id when it sent a sane one, else a new one. */
export function requestIdOf(metadata: Metadata): string {
  const sent = metadata.get(REQUEST_ID_HEADER)[0];
  return typeof sent === 'string' && SAFE_REQUEST_ID.test(sent) ? sent : randomUUID();
}

/**
 * Adapts an async handler to grpc-js, with the one admission, logging and
 * error policy: the caller is authenticated and its role checked first; one
 * line per call with method, principal, status and duration; expected domain
 * errors at info with their reason, outages at warn, bugs at error with the
 * stack. Undecodable requests are refused. The request id is echoed in the
 * response headers.
 */
export function unary<Req, Res>(
  method: string,
  deps: { logger: Logger; guard: CallGuard; roles: readonly Role[]; metrics: Metrics },
  handler: (request: Req, ctx: CallContext) => Promise<Res>,
): handleUnaryCall<Req, Res> {
  return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => {
    const started = process.hrtime.bigint();
    const requestId = requestIdOf(call.metadata);
    let log = deps.logger.child({ method, requestId });
    const headers = new Metadata();
    headers.set(REQUEST_ID_HEADER, requestId);
    call.sendMetadata(headers);
    const controller = new AbortController();
    call.on('cancelled', () => controller.abort());
    const elapsedMs = (): number => Number(process.hrtime.bigint() - started) / 1e6;

    const run = async (): Promise<Res> => {
      if (isMalformed(call.request)) {
        throw new DomainError('MALFORMED_REQUEST', 'the request is not a valid protobuf message');
      }
      const principal = await deps.guard.admit(call.metadata, method, deps.roles, (p) => {
        log = log.child({ principal: p.subject, roles: [...p.roles] });
      });
      return handler(call.request, { requestId, logger: log, principal, signal: controller.signal });
    };
    run().then(
      (response) => {
        const ms = elapsedMs();
        log.info({ code: 'OK', ms }, 'call');
        record(deps.metrics, method, 'OK', 'OK', ms);
        callback(null, response);
      },
      (err: unknown) => {
        const classified = classifyError(err);
        const ms = elapsedMs();
        const fields = { code: Code[classified.error.code], reason: classified.reason, ms };
        record(deps.metrics, method, fields.code ?? 'UNKNOWN', classified.reason, ms);
        if (classified.kind === 'expected') log.info(fields, 'call');
        else if (classified.kind === 'transient') log.warn({ ...fields, err }, 'call');
        else log.error({ ...fields, err }, 'call failed with an unexpected error');
        callback(classified.error);
      },
    );
  };
}

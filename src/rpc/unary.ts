import { randomUUID } from 'node:crypto';
import {
  status as Code,
  Metadata,
  type handleUnaryCall,
  type ServerUnaryCall,
  type sendUnaryData,
} from '@grpc/grpc-js';
import type { Logger } from '../logger';
import { classifyError } from './error-status';

export interface CallContext {
  requestId: string;
  logger: Logger;
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
 * Adapts an async handler to grpc-js, with the one logging and error policy:
 * one line per call with method, status and duration; expected domain errors
 * at info with their reason, outages at warn, bugs at error with the stack.
 * The request id is echoed in the response headers.
 */
export function unary<Req, Res>(
  method: string,
  logger: Logger,
  handler: (request: Req, ctx: CallContext) => Promise<Res>,
): handleUnaryCall<Req, Res> {
  return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => {
    const started = process.hrtime.bigint();
    const requestId = requestIdOf(call.metadata);
    const log = logger.child({ method, requestId });
    const headers = new Metadata();
    headers.set(REQUEST_ID_HEADER, requestId);
    call.sendMetadata(headers);
    const controller = new AbortController();
    call.on('cancelled', () => controller.abort());
    const elapsedMs = (): number => Number(process.hrtime.bigint() - started) / 1e6;

    handler(call.request, { requestId, logger: log, signal: controller.signal }).then(
      (response) => {
        log.info({ code: 'OK', ms: elapsedMs() }, 'call');
        callback(null, response);
      },
      (err: unknown) => {
        const classified = classifyError(err);
        const fields = { code: Code[classified.error.code], reason: classified.reason, ms: elapsedMs() };
        if (classified.kind === 'expected') log.info(fields, 'call');
        else if (classified.kind === 'transient') log.warn({ ...fields, err }, 'call');
        else log.error({ ...fields, err }, 'call failed with an unexpected error');
        callback(classified.error);
      },
    );
  };
}

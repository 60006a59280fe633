import { randomUUID } from 'node:crypto';
import { Metadata } from '@grpc/grpc-js';
import type { Logger } from '../../logger';
import type { Middleware } from './call';

const REQUEST_ID_HEADER = 'x-request-id';
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The caller's request id when it sent a sane one, else a new one. */
export function requestIdOf(metadata: Metadata): string {
  const sent = metadata.get(REQUEST_ID_HEADER)[0];
  return typeof sent === 'string' && SAFE_REQUEST_ID.test(sent) ? sent : randomUUID();
}

/** Names the call (method, request id) in its log lines and echoes the request id in the response headers. */
export const requestId =
  (logger: Logger): Middleware =>
  (call, next) => {
    call.requestId = requestIdOf(call.metadata);
    call.logger = logger.child({ method: call.method, requestId: call.requestId });
    const headers = new Metadata();
    headers.set(REQUEST_ID_HEADER, call.requestId);
    call.sendHeaders(headers);
    return next();
  };

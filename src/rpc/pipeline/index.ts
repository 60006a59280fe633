import type { Role } from '../../domain/principal';
import type { Metrics } from '../../infra/metrics/metrics';
import type { Logger } from '../../logger';
import type { CallGuard } from '../call-guard';
import { authenticate, malformedGuard, requestCheck, streamLimits } from './admission';
import { compose, type RpcCall } from './call';
import { errorMapping } from './error-mapping';
import { requestId } from './request-id';
import { logging, metricsOf } from './reporting';
import type { StreamRegistry } from './stream-registry';

export { StreamRegistry } from './stream-registry';
export type { CallContext, OpenStream, RpcCall } from './call';

/** Runs one call through the pipeline around `handler`; settles as the call does (a CallFailure if it failed). */
export type Pipeline = (call: RpcCall, handler: () => Promise<void>) => Promise<void>;

/**
 * The one request pipeline of unary and server-streaming calls, outermost
 * first: request id, logging, metrics, error mapping, then the admission
 * (malformed bytes, authentication and roles, a stream's request check, stream
 * limits) before the
 * handler. Every refusal is thus mapped, logged and counted like a handler's
 * error, with the caller named once known.
 */
export function callPipeline(deps: {
  logger: Logger;
  metrics: Metrics;
  guard: CallGuard;
  rolesOf: (method: string) => readonly Role[];
  isOutage: (err: unknown) => boolean;
  streams: StreamRegistry;
  maxStreamsPerPrincipal: number;
}): Pipeline {
  return compose([
    requestId(deps.logger),
    logging,
    metricsOf(deps.metrics),
    errorMapping(deps.isOutage),
    malformedGuard,
    authenticate(deps.guard, deps.rolesOf),
    requestCheck,
    streamLimits(deps.streams, deps.maxStreamsPerPrincipal),
  ]);
}

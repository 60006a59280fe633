import type { Role } from '../../domain/principal';
import type { CallGuard } from '../call-guard';
import { shuttingDown, tooManyStreams } from '../transport-errors';
import { isMalformed } from '../tolerant-service';
import { malformedRequest } from '../transport-errors';
import type { Middleware } from './call';
import type { StreamRegistry } from './stream-registry';

/** Refuses bytes that did not decode as the request message (tolerantService marks them). */
export const malformedGuard: Middleware = (call, next) => {
  if (isMalformed(call.request)) throw malformedRequest();
  return next();
};

/**
 * Who is calling, and whether the RPC's roles admit them; the principal names
 * the call in its log lines from then on, a refusal for the role included.
 */
export const authenticate =
  (guard: CallGuard, rolesOf: (method: string) => readonly Role[]): Middleware =>
  async (call, next) => {
    call.principal = await guard.admit(call.metadata, call.method, rolesOf(call.method), (p) => {
      call.logger = call.logger.child({ principal: p.subject, roles: [...p.roles] });
    });
    return next();
  };

/** Refuses a streaming call's invalid request before it counts as a stream (RpcCall.validate). */
export const requestCheck: Middleware = (call, next) => {
  call.validate?.();
  return next();
};

/**
 * A server stream is admitted while the server is not shutting down and its
 * principal has fewer than `maxPerPrincipal` streams open on this instance;
 * it counts until it is over. A stream the client cancelled meanwhile is not
 * opened at all. Unary calls pass.
 */
export const streamLimits =
  (registry: StreamRegistry, maxPerPrincipal: number): Middleware =>
  async (call, next) => {
    const { stream, principal } = call;
    if (!stream) return next();
    if (stream.closed || !principal) return;
    const verdict = registry.add(stream, principal.subject, maxPerPrincipal);
    if (verdict === 'shutting-down') throw shuttingDown();
    if (verdict === 'too-many') throw tooManyStreams(maxPerPrincipal);
    try {
      await next();
    } finally {
      registry.delete(stream, principal.subject);
    }
  };

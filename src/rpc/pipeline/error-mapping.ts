import { classifyError } from '../error-status';
import { CallFailure, StreamEnded, type Middleware } from './call';

/**
 * The one place a failure becomes a gRPC status (error-status.ts), for every
 * call: what the handler threw, a refusal of the middleware inside, or the
 * error the server ended a stream with. What is outside sees a CallFailure.
 */
export const errorMapping =
  (isOutage: (err: unknown) => boolean): Middleware =>
  async (_call, next) => {
    try {
      await next();
    } catch (err) {
      if (err instanceof CallFailure) throw err;
      const ended = err instanceof StreamEnded;
      const thrown = ended ? err.error : err;
      throw new CallFailure(classifyError(thrown, isOutage), thrown, ended);
    }
  };

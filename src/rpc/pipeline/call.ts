import type { Metadata } from '@grpc/grpc-js';
import type { Principal } from '../../domain/principal';
import type { Logger } from '../../logger';
import type { ClassifiedError, RpcError } from '../error-status';

/** An open server stream, as admission sees it: counted per principal, ended on shutdown. */
export interface OpenStream {
  readonly closed: boolean;
  /** Ends the stream with the status of `error` (its call then fails with StreamEnded). */
  end(error: RpcError): void;
}

/**
 * One call on its way through the pipeline, unary or server-streaming. The
 * transport adapters (unary.ts, server-stream.ts) create it; middleware fill
 * in the request id, the logger and the principal as they learn them.
 */
export interface RpcCall {
  /** As in the proto: BookSlot, WatchSlotAvailability. */
  readonly method: string;
  readonly request: unknown;
  readonly metadata: Metadata;
  /** Aborted when the client cancels or its deadline passes. */
  readonly signal: AbortSignal;
  /** The server stream of a streaming call; null for a unary one. */
  readonly stream: OpenStream | null;
  readonly startedAt: bigint;
  /** Response headers: sent once, before any message or status. */
  sendHeaders(headers: Metadata): void;
  requestId: string;
  /** Names the method and request id, then the principal once known. */
  logger: Logger;
  /** Set by authentication; null before. */
  principal: Principal | null;
  /**
   * A streaming call's request check, run once the caller is admitted and before
   * the stream limits count it, so a bad request is INVALID_ARGUMENT whatever
   * the caller has open (the handler parses it again for its own use).
   */
  readonly validate?: () => void;
}

/** What a handler sees of its call. */
export interface CallContext {
  requestId: string;
  logger: Logger;
  /** Who is calling (verified token), already checked against the RPC's roles. */
  principal: Principal;
  /** Aborted when the client cancels or its deadline passes. */
  signal: AbortSignal;
}

export function contextOf(call: RpcCall): CallContext {
  if (!call.principal) throw new Error(`${call.method} reached its handler unauthenticated`);
  return { requestId: call.requestId, logger: call.logger, principal: call.principal, signal: call.signal };
}

/**
 * A step around a call, in the spirit of nice-grpc's ServerMiddleware: it may
 * refuse the call (throw), enrich it, or observe how `next` (the rest of the
 * pipeline and the handler) settles. A unary call settles when its handler
 * returns; a server stream when it is over (ended, failed or cancelled).
 */
export type Middleware = (call: RpcCall, next: () => Promise<void>) => Promise<void>;

/** The middleware in order, the first outermost, around the handler (`last`). */
export function compose(
  middleware: readonly Middleware[],
): (call: RpcCall, last: () => Promise<void>) => Promise<void> {
  return (call, last) => {
    const step = (i: number): Promise<void> => {
      const m = middleware[i];
      return m ? m(call, () => step(i + 1)) : last();
    };
    return step(0);
  };
}

/** The error an open stream was ended with by the server (end()), not a refusal thrown while opening. */
export class StreamEnded extends Error {
  override readonly name = 'StreamEnded';

  constructor(readonly error: RpcError) {
    super(error.message);
  }
}

/** How a failed call ends: its error, mapped once to the status sent (error mapping middleware). */
export class CallFailure extends Error {
  override readonly name = 'CallFailure';

  constructor(
    readonly classified: ClassifiedError,
    /** What was thrown (for the logs of a bug or an outage). */
    readonly thrown: unknown,
    /** The server ended an open stream, as opposed to refusing or failing the call. */
    readonly ended: boolean,
  ) {
    super(classified.error.message);
  }
}

export const elapsedMs = (call: RpcCall): number => Number(process.hrtime.bigint() - call.startedAt) / 1e6;

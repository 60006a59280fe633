import type { handleUnaryCall, ServerUnaryCall, sendUnaryData } from '@grpc/grpc-js';
import { classifyError } from './error-status';
import { CallFailure, contextOf, type CallContext, type RpcCall } from './pipeline/call';
import type { Pipeline } from './pipeline';
import type { Logger } from '../logger';

export type { CallContext } from './pipeline/call';

/** Adapts an async handler to grpc-js: the call goes through the pipeline, its outcome to the callback. */
export function unary<Req, Res>(
  method: string,
  deps: { pipeline: Pipeline; logger: Logger },
  handler: (request: Req, ctx: CallContext) => Promise<Res>,
): handleUnaryCall<Req, Res> {
  return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => {
    const controller = new AbortController();
    call.on('cancelled', () => controller.abort());
    const rpc: RpcCall = {
      method,
      request: call.request,
      metadata: call.metadata,
      signal: controller.signal,
      stream: null,
      startedAt: process.hrtime.bigint(),
      sendHeaders: (headers) => call.sendMetadata(headers),
      requestId: '',
      logger: deps.logger,
      principal: null,
    };
    let response: Res | undefined;
    deps
      .pipeline(rpc, async () => {
        response = await handler(call.request, contextOf(rpc));
      })
      .then(
        () => callback(null, response),
        (err: unknown) =>
          callback(err instanceof CallFailure ? err.classified.error : classifyError(err).error),
      );
  };
}

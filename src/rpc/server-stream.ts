import type { handleServerStreamingCall, ServerWritableStream } from '@grpc/grpc-js';
import type { Logger } from '../logger';
import { classifyError } from './error-status';
import { CallFailure, contextOf, type CallContext, type OpenStream, type RpcCall } from './pipeline/call';
import type { Pipeline } from './pipeline';

/** Where a server-streaming handler writes: the transport's stream, with its lifetime. */
export interface ServerStreamSink extends OpenStream {
  /**
   * Settles when the stream is over: resolves when the client went away,
   * rejects with StreamEnded when the server ended it (end()).
   */
  readonly done: Promise<void>;
  /** Starts what an admitted stream runs besides its handler (heartbeats). */
  open(): void;
  /** Releases everything the stream holds; `why` for the logs. */
  close(why: string): void;
}

/**
 * Adapts a server-streaming handler to grpc-js through the same pipeline as
 * unary calls. The handler opens the stream (validates, subscribes) and
 * returns; the call is then over when its sink is done. A refusal or failure
 * while opening, or the error the server ends the stream with, is mapped
 * once and sent as the call's status.
 */
export function serverStream<Req, Res, S extends ServerStreamSink>(
  method: string,
  deps: { pipeline: Pipeline; logger: Logger },
  sinkOf: (call: ServerWritableStream<Req, Res>, logger: () => Logger) => S,
  handler: (request: Req, ctx: CallContext, stream: S) => Promise<void>,
  /** Throws the refusal of an invalid request (checked before the stream counts against any limit). */
  validate?: (request: Req) => void,
): handleServerStreamingCall<Req, Res> {
  return (call: ServerWritableStream<Req, Res>) => {
    const controller = new AbortController();
    const sink = sinkOf(call, () => rpc.logger);
    const rpc: RpcCall = {
      method,
      request: call.request,
      metadata: call.metadata,
      signal: controller.signal,
      stream: sink,
      startedAt: process.hrtime.bigint(),
      sendHeaders: (headers) => call.sendMetadata(headers),
      requestId: '',
      logger: deps.logger,
      principal: null,
      ...(validate ? { validate: () => validate(call.request) } : {}),
    };
    call.on('cancelled', () => {
      controller.abort();
      sink.close('cancelled by the client');
    });
    call.on('error', () => sink.close('stream error'));
    const opened = (): Promise<void> => {
      sink.open();
      const opening = handler(call.request, contextOf(rpc), sink).then(() => sink.done);
      // Over as soon as the sink is: a handler still opening when the server ends the stream is not waited for.
      return Promise.race([opening, sink.done]);
    };
    deps.pipeline(rpc, opened).then(
      () => undefined, // the client went away: nothing left to send
      (err: unknown) => {
        const { error, reason } = err instanceof CallFailure ? err.classified : classifyError(err);
        sink.close(reason);
        call.emit('error', error);
      },
    );
  };
}

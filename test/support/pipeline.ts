/**
 * Helpers of the pipeline unit tests (test/unit/pipeline/): a call pipeline
 * with its log lines, response headers, stream registry and metrics in
 * memory, and an open stream that records how it was ended.
 */
import { Writable } from 'node:stream';
import { Metadata } from '@grpc/grpc-js';
import type { JwtVerifier } from '../../src/infra/auth/jwt-verifier';
import { Metrics } from '../../src/infra/metrics/metrics';
import { createLogger } from '../../src/logger';
import { CallGuard } from '../../src/rpc/call-guard';
import { callPipeline, StreamRegistry, type OpenStream, type RpcCall } from '../../src/rpc/pipeline';
import { CallFailure } from '../../src/rpc/pipeline/call';
import type { RpcError } from '../../src/rpc/error-status';

export type Line = Record<string, unknown> & { msg: string; level: number };

export function setUp(opts: { verifier?: JwtVerifier; isOutage?: (err: unknown) => boolean } = {}) {
  const lines: Line[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as Line);
      done();
    },
  });
  const metrics = new Metrics();
  const streams = new StreamRegistry();
  const logger = createLogger('debug', sink);
  const pipeline = callPipeline({
    logger,
    metrics,
    guard: new CallGuard(opts.verifier ?? null),
    rolesOf: (method) => (method === 'CreateService' ? ['admin'] : ['admin', 'user']),
    isOutage: opts.isOutage ?? (() => false),
    streams,
    maxStreamsPerPrincipal: 1,
  });
  const headers: Metadata[] = [];
  const call = (
    method: string,
    o: { request?: unknown; metadata?: Metadata; stream?: OpenStream } = {},
  ): RpcCall => ({
    method,
    request: o.request ?? {},
    metadata: o.metadata ?? new Metadata(),
    signal: new AbortController().signal,
    stream: o.stream ?? null,
    startedAt: process.hrtime.bigint(),
    sendHeaders: (h) => headers.push(h),
    requestId: '',
    logger,
    principal: null,
  });
  /** The CallFailure the call ended with, or null. */
  const run = (
    c: RpcCall,
    handler: () => Promise<void> = () => Promise.resolve(),
  ): Promise<CallFailure | null> =>
    pipeline(c, handler).then(
      () => null,
      (err: unknown) => {
        if (err instanceof CallFailure) return err;
        throw err;
      },
    );
  const counted = async (name: string, labels: Record<string, string>): Promise<number> => {
    const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
    const values = (metric?.values ?? []) as { labels: Record<string, unknown>; value: number }[];
    return values
      .filter((v) => Object.entries(labels).every(([k, want]) => v.labels[k] === want))
      .reduce((sum, v) => sum + v.value, 0);
  };
  return { lines, headers, streams, call, run, counted };
}

export const fakeStream = (): OpenStream & { endedWith: RpcError[] } => {
  const s = {
    closed: false,
    endedWith: [] as RpcError[],
    end: (e: RpcError) => void s.endedWith.push(e),
  };
  return s;
};

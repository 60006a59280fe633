/**
 * A load process, forked by bench/run.ts (through tsx). It runs one job at a
 * time, sent over IPC, and answers with its measurements (histograms, counts),
 * never with raw samples. Jobs against the service use gRPC; `*-floor` jobs
 * do the same work with the bare MongoDB driver (no gRPC, no Redis).
 * It exits when the orchestrator goes away (IPC disconnect).
 */
import { bookEvery, Subscribers } from './jobs/watch';
import { generateFloor, generateRpc } from './jobs/generation';
import { historyFloor, historyRpc } from './jobs/history';
import { hotFloor, hotRpc } from './jobs/hot';
import { spreadFloor, spreadRpc } from './jobs/spread';
import type { Job } from './jobs/types';

export type { Job, JobResult, SlotRef } from './jobs/types';

const send = (msg: unknown): void => {
  process.send?.(msg);
};

process.on('disconnect', () => process.exit(0));

let subscribers: Subscribers | undefined;

process.on('message', (msg: { id: number; job: Job }) => {
  run(msg.job).then(
    (result) => send({ id: msg.id, result }),
    (err: unknown) =>
      send({ id: msg.id, error: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
  );
});

async function run(job: Job): Promise<unknown> {
  switch (job.kind) {
    case 'spread-rpc':
      return spreadRpc(job);
    case 'spread-floor':
      return spreadFloor(job);
    case 'hot-rpc':
      return hotRpc(job);
    case 'hot-floor':
      return hotFloor(job);
    case 'subscribe':
      subscribers = new Subscribers(job);
      return subscribers.start();
    case 'progress':
      return subscribers?.received ?? 0;
    case 'ping':
      return { pid: process.pid };
    case 'collect': {
      const result = subscribers!.collect(job.commits);
      subscribers = undefined;
      return result;
    }
    case 'book-every':
      return bookEvery(job);
    case 'generate-rpc':
      return generateRpc(job);
    case 'generate-floor':
      return generateFloor(job);
    case 'history-rpc':
      return historyRpc(job);
    case 'history-floor':
      return historyFloor(job);
  }
}

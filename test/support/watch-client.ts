/**
 * A test client for WatchSlotAvailability: opens a server stream with the
 * generated client, collects every message, remembers how the stream ended,
 * and waits (by polling, with a timeout) for conditions on what arrived.
 */
import {
  credentials,
  status as Code,
  type CallOptions,
  type ClientReadableStream,
  type ServiceError,
  type StatusObject,
} from '@grpc/grpc-js';
import {
  BookingServiceClient,
  WatchEventType,
  WatchSlotAvailabilityRequest,
  type DeepPartial,
  type WatchSlotAvailabilityResponse,
} from '../../src/gen/booking/v1/booking_service';
import { SlotStatus, type Slot } from '../../src/gen/booking/v1/resources';
import { decodeError, type DecodedError } from './harness';

export type WatchResponse = WatchSlotAvailabilityResponse;
export { WatchEventType };

const DEFAULT_TIMEOUT_MS = 15_000;
const POLL_MS = 10;

/**
 * Polls `condition` until it holds; fails after `timeoutMs` with `what` (and
 * `detail()`, if given) in the message.
 */
export async function until(
  condition: () => boolean | Promise<boolean>,
  what: string,
  opts: { timeoutMs?: number; detail?: () => string } = {},
): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${opts.detail ? `\n${opts.detail()}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** How a stream ended: `error` is null when it ended with OK. */
export interface WatchEnd {
  code: Code;
  error: DecodedError | null;
}

/** One open WatchSlotAvailability stream and everything it has delivered so far. */
export class Watch {
  readonly messages: WatchResponse[] = [];
  /** Set once the stream has ended (the call's final status arrived). */
  end: WatchEnd | undefined;
  private error: ServiceError | undefined;

  constructor(
    readonly call: ClientReadableStream<WatchResponse>,
    readonly label = 'watch',
  ) {
    call.on('data', (m: WatchResponse) => this.messages.push(m));
    call.on('error', (err: ServiceError) => {
      this.error = err;
    });
    call.on('status', (s: StatusObject) => {
      this.end = {
        code: s.code,
        error: s.code === Code.OK ? null : decodeError(this.error ?? s),
      };
    });
  }

  get ended(): boolean {
    return this.end !== undefined;
  }

  ofType(type: WatchEventType): WatchResponse[] {
    return this.messages.filter((m) => m.type === type);
  }

  snapshots(): WatchResponse[] {
    return this.ofType(WatchEventType.WATCH_EVENT_TYPE_SNAPSHOT);
  }

  changes(): WatchResponse[] {
    return this.ofType(WatchEventType.WATCH_EVENT_TYPE_CHANGE);
  }

  heartbeats(): WatchResponse[] {
    return this.ofType(WatchEventType.WATCH_EVENT_TYPE_HEARTBEAT);
  }

  /** The revision to resume from: the last one any message carried (0 if none). */
  lastRevision(): number {
    return this.messages.length === 0 ? 0 : this.messages[this.messages.length - 1]!.revision;
  }

  /** Each slot as the subscriber last saw it (from SNAPSHOT and CHANGE messages). */
  view(): Map<string, Slot> {
    const view = new Map<string, Slot>();
    for (const m of this.messages) if (m.slot) view.set(m.slot.id, m.slot);
    return view;
  }

  /** A one-line summary for failure messages. */
  describe(): string {
    const counts = new Map<string, number>();
    for (const m of this.messages) {
      const name = WatchEventType[m.type] ?? String(m.type);
      counts.set(name, (counts.get(name) ?? 0) + 1);
    }
    const end = this.end
      ? `ended ${Code[this.end.code]}${this.end.error?.reason ? `/${this.end.error.reason}` : ''}` +
        (this.end.error ? ` (${this.end.error.message})` : '')
      : 'open';
    return `${this.label}: ${[...counts].map(([k, v]) => `${v} ${k}`).join(', ') || 'no messages'}; ${end}`;
  }

  /**
   * Waits until `predicate` holds for this stream. Fails at once if the
   * stream ends without it holding (unless `allowEnd`).
   */
  async waitFor(
    predicate: (w: Watch) => boolean,
    what: string,
    opts: { timeoutMs?: number; allowEnd?: boolean } = {},
  ): Promise<void> {
    await until(
      () => {
        if (predicate(this)) return true;
        if (this.ended && !opts.allowEnd) {
          throw new Error(`${this.label} ended while waiting for ${what}: ${this.describe()}`);
        }
        return false;
      },
      `${what} on ${this.label}`,
      { timeoutMs: opts.timeoutMs, detail: () => this.describe() },
    );
  }

  /** Waits for the one SYNCED message and returns it. */
  async synced(timeoutMs?: number): Promise<WatchResponse> {
    await this.waitFor((w) => w.ofType(WatchEventType.WATCH_EVENT_TYPE_SYNCED).length > 0, 'SYNCED', {
      timeoutMs,
    });
    return this.ofType(WatchEventType.WATCH_EVENT_TYPE_SYNCED)[0]!;
  }

  /** Waits until at least `n` CHANGE messages arrived; returns all received so far. */
  async waitForChanges(n: number, timeoutMs?: number): Promise<WatchResponse[]> {
    await this.waitFor((w) => w.changes().length >= n, `${n} CHANGE messages`, { timeoutMs });
    return this.changes();
  }

  /** Waits for the stream to end and returns how. */
  async ending(timeoutMs?: number): Promise<WatchEnd> {
    await this.waitFor((w) => w.ended, 'the end of the stream', { timeoutMs, allowEnd: true });
    return this.end!;
  }

  /** Waits for the stream to end with an error status, and returns it decoded. */
  async failure(timeoutMs?: number): Promise<DecodedError> {
    const end = await this.ending(timeoutMs);
    if (!end.error) throw new Error(`${this.label} ended with OK, expected an error`);
    return end.error;
  }

  /** Cancels the call from the client side (the stream then ends CANCELLED). */
  cancel(): void {
    this.call.cancel();
  }
}

/** Opens a WatchSlotAvailability stream; unset request fields take their proto3 defaults. */
export function openWatch(
  client: BookingServiceClient,
  request: DeepPartial<WatchSlotAvailabilityRequest>,
  opts: { label?: string; deadline?: Date } = {},
): Watch {
  const options: Partial<CallOptions> = opts.deadline ? { deadline: opts.deadline } : {};
  const call = client.watchSlotAvailability(WatchSlotAvailabilityRequest.fromPartial(request), options);
  return new Watch(call, opts.label);
}

/**
 * A client on a connection of its own (grpc-js otherwise shares one
 * connection between clients of the same target and options).
 */
export function separateClient(target: string): BookingServiceClient {
  return new BookingServiceClient(target, credentials.createInsecure(), {
    'grpc.use_local_subchannel_pool': 1,
  });
}

/** The name of a slot status, for readable assertions. */
export const statusName = (s: SlotStatus): string => SlotStatus[s] ?? String(s);

/** A CHANGE as [slot id, new status, previous status], for comparing sequences. */
export const changeSummary = (m: WatchResponse): [string, string, string] => [
  m.slot?.id ?? '',
  statusName(m.slot?.status ?? SlotStatus.SLOT_STATUS_UNSPECIFIED),
  statusName(m.previousStatus),
];

/** True when every value is greater than the one before. */
export const strictlyIncreasing = (values: readonly number[]): boolean =>
  values.every((v, i) => i === 0 || v > values[i - 1]!);

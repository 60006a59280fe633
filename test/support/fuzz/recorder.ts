/**
 * Runs batches of fuzzed requests and records every breach: INTERNAL or
 * UNKNOWN, or a refused request after which the database is not as it was.
 */
import * as grpc from '@grpc/grpc-js';
import { type Connection } from 'mongoose';
import { METHODS, send, type Method } from './send';

/** Read-only RPCs: they cannot store anything, so the database is checked around their batch only. */
const READS = new Set<Method>([
  'getService',
  'listServices',
  'listSlots',
  'getAppointment',
  'listAppointments',
  'watchSlotAvailability',
]);

/**
 * What the database holds, by collection: documents per status (slots,
 * claims), per active flag (services), and in all (request log). A refused
 * request must leave it as it was, with one documented exception: a BookSlot
 * refused as FAILED_PRECONDITION with a request_id records the appointment id
 * it would have created as one VOID claim (so that a late earlier attempt
 * cannot create it; see README "A refusal is final too").
 */
async function dbFingerprint(db: Connection): Promise<string> {
  const by = (collection: string, field: string) =>
    db
      .collection(collection)
      .aggregate<{ _id: unknown; n: number }>([{ $group: { _id: `$${field}`, n: { $sum: 1 } } }])
      .toArray()
      .then((groups) =>
        groups
          .map((g) => `${String(g._id)}:${g.n}`)
          .sort()
          .join(','),
      );
  const [services, slots, claims, requests] = await Promise.all([
    by('services', 'active'),
    by('slots', 'status'),
    by('appointments', 'status'),
    db.collection('request_log').countDocuments(),
  ]);
  return `services{${services}} slots{${slots}} claims{${claims}} request_log=${requests}`;
}

/** `before` with one more VOID claim. */
function withOneMoreVoid(before: string): string {
  return before.replace(/claims\{([^}]*)\}/, (_all, groups: string) => {
    const list = groups === '' ? [] : groups.split(',');
    const voids = list.find((g) => g.startsWith('VOID:'));
    const others = list.filter((g) => !g.startsWith('VOID:'));
    const n = voids ? Number(voids.slice('VOID:'.length)) + 1 : 1;
    return `claims{${[...others, `VOID:${n}`].sort().join(',')}}`;
  });
}

export interface Problem {
  method: Method;
  kind: string;
  what: string;
  input: string;
}

const describeInput = (input: unknown): string => {
  const s = Buffer.isBuffer(input)
    ? `bytes ${input.toString('hex')}`
    : JSON.stringify(input, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
  return s.length > 300 ? `${s.slice(0, 300)}... (${s.length} chars)` : s;
};

export class FuzzRecorder {
  private readonly tried = new Map<string, number>();
  /** Per RPC, how many requests ended with each status. */
  private readonly outcomes = new Map<string, Map<string, number>>();
  private readonly problems: Problem[] = [];

  constructor(
    private readonly client: grpc.Client,
    private readonly db: Connection,
  ) {}

  /** Counts a request sent to `method` outside `run`. */
  count(method: Method): void {
    this.tried.set(method, (this.tried.get(method) ?? 0) + 1);
  }

  /** The breaches found for `method`, one per kind and description. */
  problemsOf(method: Method): Problem[] {
    const mine = this.problems.filter((p) => p.method === method);
    return [...new Map(mine.map((p) => [`${p.kind} ${p.what}`, p])).values()];
  }

  /** Requests sent per RPC, with how many ended with each status. */
  summary(seed: number): string {
    const total = [...this.tried.values()].reduce((a, b) => a + b, 0);
    const lines = METHODS.map((m) => {
      const codes = [...(this.outcomes.get(m) ?? new Map<string, number>())]
        .sort((a, b) => b[1] - a[1])
        .map(([code, n]) => `${code} ${n}`)
        .join(', ');
      return `  ${m.padEnd(24)} ${String(this.tried.get(m) ?? 0).padStart(4)}  (${codes})`;
    });
    return `fuzz: ${total} requests (seed ${seed})\n${lines.join('\n')}`;
  }

  /**
   * Sends each input in turn and records every breach. The database is
   * compared after each refusal that got past validation (and after the
   * batch): INVALID_ARGUMENT comes before anything is read or written, so a
   * change found later is blamed on the run of refusals since.
   */
  async run(method: Method, kind: string, inputs: { bytes: Buffer; shown: unknown }[]): Promise<void> {
    const isRead = READS.has(method);
    let baseline = await dbFingerprint(this.db);
    let unchecked = 0;
    const compare = async (shown: unknown, mayVoid = false): Promise<void> => {
      const now = await dbFingerprint(this.db);
      if (now !== baseline && !(mayVoid && now === withOneMoreVoid(baseline))) {
        this.problems.push({
          method,
          kind,
          what: `refused, but the database changed${unchecked > 0 ? ` (this or one of the ${unchecked} invalid requests before it)` : ''}: ${baseline} -> ${now}`,
          input: describeInput(shown),
        });
      }
      baseline = now;
      unchecked = 0;
    };
    for (const { bytes, shown } of inputs) {
      const metadata = new grpc.Metadata();
      metadata.set('x-request-id', 'fuzz');
      const result = await send(this.client, method, bytes, metadata);
      this.count(method);
      const codes = this.outcomes.get(method) ?? new Map<string, number>();
      const name = grpc.status[result.code] ?? String(result.code);
      this.outcomes.set(method, codes.set(name, (codes.get(name) ?? 0) + 1));
      if (result.code === grpc.status.INTERNAL || result.code === grpc.status.UNKNOWN) {
        this.problems.push({
          method,
          kind,
          what: `${grpc.status[result.code]}: ${result.details}`,
          input: describeInput(shown),
        });
      }
      if (isRead) continue;
      if (result.code === grpc.status.OK) {
        baseline = await dbFingerprint(this.db);
        unchecked = 0;
      } else if (result.code === grpc.status.INVALID_ARGUMENT) {
        unchecked += 1;
      } else {
        const requestId = (shown as { requestId?: unknown } | null)?.requestId;
        const mayVoid =
          method === 'bookSlot' &&
          result.code === grpc.status.FAILED_PRECONDITION &&
          typeof requestId === 'string' &&
          requestId !== '';
        await compare(shown, mayVoid);
      }
    }
    await compare('(the batch)');
  }
}

import { createHash } from 'node:crypto';
import { DomainError } from '../../domain/errors';
import type { Clock, IdempotencyStore } from '../ports';

/**
 * Idempotent requests (AIP-155). A request carrying a request_id is
 * remembered by (method, user, request_id) with a fingerprint of its content:
 * a retry gets the original result, even if the first response was lost; the
 * same id with other content is refused with REQUEST_ID_REUSED.
 *
 * A crash can fall between the work and the record of it. The work is made
 * resumable instead: records it creates are named `idFromKey(key)`, so a retry
 * finds the first attempt's records and finishes them rather than starting
 * over (see booking/book-slot.ts and holds/hold-slot.ts).
 */
export class Idempotency {
  constructor(
    private readonly store: IdempotencyStore,
    private readonly clock: Clock,
  ) {}

  /** The storage key of a request, or null when it carries no request_id. */
  key(method: string, userId: string, requestId: string): string | null {
    return requestId === '' ? null : `${method}:${userId}:${requestId}`;
  }

  async run<T>(
    key: string | null,
    content: Record<string, unknown>,
    exec: () => Promise<{ resultId: string; value: T }>,
    replay: (resultId: string) => Promise<T>,
  ): Promise<T> {
    if (key === null) return (await exec()).value;
    const fingerprint = fingerprintOf(content);
    const found = await this.store.find(key);
    if (found) {
      if (found.fingerprint !== fingerprint) throw requestIdReused();
      return replay(found.resultId);
    }
    const result = await exec();
    const existing = await this.store.save({
      key,
      fingerprint,
      resultId: result.resultId,
      createdAt: this.clock(),
    });
    if (existing && existing.fingerprint !== fingerprint) throw requestIdReused();
    return result.value;
  }
}

/** The id of the record a request creates, the same for every attempt of it. */
export const idFromKey = (key: string): string => createHash('sha256').update(key).digest('hex').slice(0, 24);

export const requestIdReused = (): DomainError =>
  new DomainError(
    'REQUEST_ID_REUSED',
    'request_id was already used for a different request; use a new id for a new request',
  );

function fingerprintOf(content: Record<string, unknown>): string {
  const canonical = JSON.stringify(
    Object.keys(content)
      .sort()
      .map((k) => [k, content[k]]),
  );
  return createHash('sha256').update(canonical).digest('base64url');
}

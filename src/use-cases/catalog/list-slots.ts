import { effectiveSlot, type Page, type SlotRecord, type SlotStatus } from '../../domain/types';
import { decodePageToken, encodePageToken, toPage } from '../shared/page-token';
import { existingService } from '../shared/existing-service';
import type { CatalogDeps } from './managed-service';

/** ListSlots: a service's slots by start time, their status as it is now. */
export interface ListSlotsQuery {
  serviceId: string;
  from: Date | null;
  to: Date | null;
  status: SlotStatus | null;
  pageSize: number;
  pageToken: string;
}

export class ListSlots {
  constructor(private readonly deps: Pick<CatalogDeps, 'services' | 'slots' | 'clock'>) {}

  async run(q: ListSlotsQuery): Promise<Page<SlotRecord>> {
    const filters = {
      serviceId: q.serviceId,
      from: q.from?.getTime() ?? null,
      to: q.to?.getTime() ?? null,
      status: q.status,
    };
    const after = decodePageToken(q.pageToken, filters);
    if (!after) await existingService(this.deps.services, q.serviceId); // NOT_FOUND for an unknown service
    const now = this.deps.clock();
    const { rows, resumeAfter } = await this.deps.slots.list({
      serviceId: q.serviceId,
      from: q.from,
      to: q.to,
      status: q.status,
      now,
      after,
      limit: q.pageSize + 1,
    });
    const page = toPage(rows, q.pageSize, (s) => ({ key: s.startTime.getTime(), id: s.id }), filters);
    // A short page that did not reach the end of the window: its token goes on from where it stopped.
    const nextPageToken =
      page.nextPageToken === '' && resumeAfter ? encodePageToken(resumeAfter, filters) : page.nextPageToken;
    return { nextPageToken, items: page.items.map((s) => effectiveSlot(s, now)) };
  }
}

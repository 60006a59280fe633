import type { Page, ServiceRecord } from '../../domain/types';
import type { CatalogDeps } from './managed-service';
import { decodePageToken, toPage } from '../shared/page-token';

/** ListServices: services in creation order; archived ones only with `showDeleted`. */
export class ListServices {
  constructor(private readonly deps: Pick<CatalogDeps, 'services'>) {}

  async run(q: {
    activeOnly: boolean;
    showDeleted: boolean;
    pageSize: number;
    pageToken: string;
  }): Promise<Page<ServiceRecord>> {
    const filters = q.showDeleted
      ? { activeOnly: q.activeOnly, showDeleted: true }
      : { activeOnly: q.activeOnly };
    const after = decodePageToken(q.pageToken, filters);
    const rows = await this.deps.services.list({
      activeOnly: q.activeOnly,
      showDeleted: q.showDeleted,
      after: after?.id ?? null,
      limit: q.pageSize + 1,
    });
    return toPage(rows, q.pageSize, (s) => ({ key: 0, id: s.id }), filters);
  }
}

import { isAppointment, type AppointmentStatus, type AppointmentView, type Page } from '../../domain/types';
import type { ClaimRepository } from '../ports';
import { decodePageToken, toPage } from '../shared/page-token';
import { fillIn, type AppointmentReadDeps } from './fill-in';

/** ListAppointments: a user's history, newest first: three queries per page, whatever its size. */
export class ListAppointments {
  constructor(
    private readonly deps: AppointmentReadDeps & { claims: Pick<ClaimRepository, 'listAppointmentsByUser'> },
  ) {}

  async run(q: {
    userId: string;
    status: AppointmentStatus | null;
    pageSize: number;
    pageToken: string;
  }): Promise<Page<AppointmentView>> {
    const filters = { userId: q.userId, status: q.status };
    const after = decodePageToken(q.pageToken, filters);
    const rows = (
      await this.deps.claims.listAppointmentsByUser({
        userId: q.userId,
        status: q.status,
        after,
        limit: q.pageSize + 1,
      })
    ).filter(isAppointment);
    const page = toPage(rows, q.pageSize, (a) => ({ key: a.createdAt.getTime(), id: a.id }), filters);
    return { items: await fillIn(this.deps, page.items), nextPageToken: page.nextPageToken };
  }
}

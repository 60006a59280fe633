/**
 * Services over gRPC: create, read, list with pagination and filters.
 */
import { status } from '@grpc/grpc-js';
import { Types } from 'mongoose';
import type { Service } from '../../src/gen/booking/v1/resources';
import { createService, serviceInput, timeOfDay } from '../factories';
import { failure, rpc, startTestApp, violatedFields, type Rpc, type TestApp } from '../support/harness';

let t: TestApp;
let api: Rpc;

beforeAll(async () => {
  t = await startTestApp();
  api = rpc(t.client);
});
afterAll(() => t.stop());

/** Every service, following page tokens; also returns the page sizes seen. */
async function listAll(pageSize: number, activeOnly = false): Promise<{ ids: string[]; pages: number[] }> {
  const ids: string[] = [];
  const pages: number[] = [];
  let pageToken = '';
  do {
    const res = await api.listServices({ pageSize, pageToken, activeOnly });
    ids.push(...res.services.map((s) => s.id));
    pages.push(res.services.length);
    pageToken = res.nextPageToken;
    expect(pages.length).toBeLessThan(100);
  } while (pageToken !== '');
  return { ids, pages };
}

describe('CreateService', () => {
  it('returns the service with a server-assigned id and timestamps, echoing every field', async () => {
    const fields = {
      name: 'Dr. Müller – Zahnarzt 😀',
      description: 'Teeth',
      address: 'Hauptstraße 1, Berlin',
      price: { amountMinor: 12_345, currencyCode: 'EUR' },
      timeZone: 'Europe/Berlin',
      openingTime: timeOfDay(8, 15),
      closingTime: timeOfDay(24),
      slotDurationMinutes: 45,
      active: false,
    };
    const input = serviceInput({
      ...fields,
      // Output-only fields are ignored.
      id: 'ffffffffffffffffffffffff',
      createTime: new Date('2000-01-01T00:00:00Z'),
      updateTime: new Date('2000-01-01T00:00:00Z'),
    });
    const before = Date.now();
    const { service } = await api.createService({ service: input });
    const after = Date.now();

    expect(service).toBeDefined();
    const s = service!;
    expect(s.id).toMatch(/^[0-9a-f]{24}$/);
    expect(s.id).not.toBe(input.id);
    expect(s).toMatchObject(fields);
    expect(s.createTime!.getTime()).toBeGreaterThanOrEqual(before - 1);
    expect(s.createTime!.getTime()).toBeLessThanOrEqual(after + 1);
    expect(s.updateTime).toEqual(s.createTime);

    const stored = await t.db.collection('services').findOne({ _id: new Types.ObjectId(s.id) });
    expect(stored).toMatchObject({
      name: s.name,
      timeZone: 'Europe/Berlin',
      openingMinute: 8 * 60 + 15,
      closingMinute: 24 * 60,
      slotDurationMinutes: 45,
      active: false,
      price: { amountMinor: 12_345, currencyCode: 'EUR' },
    });
  });

  it('assigns a distinct id to each service', async () => {
    const a = await createService(api);
    const b = await createService(api);
    expect(a.id).not.toBe(b.id);
  });
});

describe('GetService', () => {
  it('returns the service as created', async () => {
    const created = await createService(api, {
      name: 'Haircut',
      price: { amountMinor: 0, currencyCode: 'USD' },
    });
    const { service } = await api.getService({ serviceId: created.id });
    expect(service).toEqual(created);
  });

  it('answers NOT_FOUND, reason SERVICE_NOT_FOUND, for an unknown id', async () => {
    const unknown = new Types.ObjectId().toHexString();
    const e = await failure(api.getService({ serviceId: unknown }));
    expect(e.code).toBe(status.NOT_FOUND);
    expect(e.reason).toBe('SERVICE_NOT_FOUND');
    expect(e.metadata).toEqual({ serviceId: unknown });
    expect(e.message).toContain(unknown);
  });
});

describe('ListServices', () => {
  let created: Service[];

  beforeEach(async () => {
    await t.db.collection('services').deleteMany({});
    created = [];
    // Created one after the other: 3 active, 2 inactive, interleaved.
    for (const active of [true, false, true, false, true]) created.push(await createService(api, { active }));
  });

  it('pages through 5 services 2 at a time: 3 pages, oldest first, no duplicates', async () => {
    const { ids, pages } = await listAll(2);
    expect(pages).toEqual([2, 2, 1]);
    expect(ids).toEqual(created.map((s) => s.id));
    expect(new Set(ids).size).toBe(5);
  });

  it('returns full services on each page', async () => {
    const first = await api.listServices({ pageSize: 2 });
    expect(first.services).toEqual(created.slice(0, 2));
    expect(first.nextPageToken).not.toBe('');
  });

  it('returns everything with no token when the page is large enough, and uses 20 for page_size 0', async () => {
    const all = await api.listServices({ pageSize: 5 });
    expect(all.services.map((s) => s.id)).toEqual(created.map((s) => s.id));
    expect(all.nextPageToken).toBe('');
    const byDefault = await api.listServices({ pageSize: 0 });
    expect(byDefault.services).toHaveLength(5);
    expect(byDefault.nextPageToken).toBe('');
  });

  it('coerces an oversized page_size to the maximum of 100', async () => {
    const res = await api.listServices({ pageSize: 10_000 });
    expect(res.services).toHaveLength(5);
  });

  it('lists only active services with active_only, across pages', async () => {
    const { ids, pages } = await listAll(2, true);
    expect(pages).toEqual([2, 1]);
    expect(ids).toEqual(created.filter((s) => s.active).map((s) => s.id));
  });

  it('refuses a page token issued for other filters', async () => {
    const activePage = await api.listServices({ pageSize: 1, activeOnly: true });
    expect(activePage.nextPageToken).not.toBe('');
    const e = await failure(
      api.listServices({ pageSize: 1, activeOnly: false, pageToken: activePage.nextPageToken }),
    );
    expect(e.code).toBe(status.INVALID_ARGUMENT);
    expect(e.reason).toBe('INVALID_ARGUMENT');
    expect(violatedFields(e)).toEqual(['page_token']);

    const allPage = await api.listServices({ pageSize: 1 });
    const e2 = await failure(
      api.listServices({ pageSize: 1, activeOnly: true, pageToken: allPage.nextPageToken }),
    );
    expect(violatedFields(e2)).toEqual(['page_token']);
  });

  it('refuses a garbage page token', async () => {
    const e = await failure(api.listServices({ pageToken: 'garbage!' }));
    expect(e.code).toBe(status.INVALID_ARGUMENT);
    expect(violatedFields(e)).toEqual(['page_token']);
  });

  it('keeps a page token valid when services are added meanwhile', async () => {
    const first = await api.listServices({ pageSize: 3 });
    const late = await createService(api);
    const rest = await api.listServices({ pageSize: 10, pageToken: first.nextPageToken });
    expect([...first.services, ...rest.services].map((s) => s.id)).toEqual(
      [...created, late].map((s) => s.id),
    );
  });
});

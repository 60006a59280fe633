import type { ServiceDefinition, ServiceRecord } from '../../domain/types';
import type { ServiceRepository } from '../../services/ports';
import type { Models, ServiceDoc } from './models';
import { mapBounded } from './buckets';
import { hex, oid } from './object-ids';

export class MongoServiceRepository implements ServiceRepository {
  constructor(private readonly models: Pick<Models, 'services'>) {}

  async create(def: ServiceDefinition, now: Date): Promise<ServiceRecord> {
    const [doc] = await this.models.services.insertMany([
      { ...def, price: { ...def.price }, createdAt: now, updatedAt: now },
    ]);
    return toServiceRecord(doc!.toObject());
  }

  async findById(id: string): Promise<ServiceRecord | null> {
    const doc = await this.models.services.findById(oid(id)).lean<ServiceDoc>().exec();
    return doc ? toServiceRecord(doc) : null;
  }

  /** Point reads (an `$in` is not pushed down by FerretDB), missing ids left out. */
  async findByIds(ids: readonly string[]): Promise<ServiceRecord[]> {
    const found = await mapBounded([...new Set(ids)], 8, (id) => this.findById(id));
    return found.filter((s): s is ServiceRecord => s !== null);
  }

  async list(opts: { activeOnly: boolean; after: string | null; limit: number }): Promise<ServiceRecord[]> {
    const filter: Record<string, unknown> = {};
    if (opts.activeOnly) filter.active = true;
    if (opts.after) filter._id = { $gt: oid(opts.after) };
    const docs = await this.models.services
      .find(filter)
      .sort({ _id: 1 })
      .limit(opts.limit)
      .lean<ServiceDoc[]>()
      .exec();
    return docs.map(toServiceRecord);
  }
}

export function toServiceRecord(doc: ServiceDoc): ServiceRecord {
  return {
    id: hex(doc._id),
    name: doc.name,
    description: doc.description,
    address: doc.address,
    price: { amountMinor: doc.price.amountMinor, currencyCode: doc.price.currencyCode },
    timeZone: doc.timeZone,
    openingMinute: doc.openingMinute,
    closingMinute: doc.closingMinute,
    slotDurationMinutes: doc.slotDurationMinutes,
    active: doc.active,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
}

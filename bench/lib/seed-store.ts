/**
 * An in-memory stand-in for the mongoose models, just enough for the
 * service's own repositories (src/infra/mongo/*.repository.ts) to run their
 * writes against it: the growth benchmark seeds through the repositories, so
 * the documents have exactly the shape the service writes (whatever fields
 * the repositories add), then inserts them in big unordered batches.
 *
 * Only what seeding calls is here; a filter is matched on `_id` alone (seeding
 * drives only transitions that succeed). Any other use throws, naming what
 * the repositories now call: teach it here when they change.
 */
import mongoose from 'mongoose';
import { registerModels, type Models } from '../../src/infra/mongo/models';

type Doc = Record<string, unknown> & { _id: unknown };
type Update = Record<string, Record<string, unknown>>;

const keyOf = (id: unknown): string =>
  id instanceof mongoose.Types.ObjectId ? id.toHexString() : String(id);

/** A mongoose-query look-alike: `.lean()`, `.exec()`, awaitable. */
function query<T>(value: () => T): unknown {
  const q = {
    lean: () => q,
    exec: () => Promise.resolve().then(value),
    then: <R>(ok: (v: T) => R, ko?: (e: unknown) => R) => Promise.resolve().then(value).then(ok, ko),
  };
  return q;
}

function setPath(doc: Record<string, unknown>, dotted: string, value: unknown): void {
  const parts = dotted.split('.');
  let at = doc;
  for (const p of parts.slice(0, -1)) {
    const next = at[p];
    if (typeof next !== 'object' || next === null) at[p] = {};
    at = at[p] as Record<string, unknown>;
  }
  at[parts[parts.length - 1]!] = value;
}

function unsetPath(doc: Record<string, unknown>, dotted: string): void {
  const parts = dotted.split('.');
  let at: unknown = doc;
  for (const p of parts.slice(0, -1)) at = (at as Record<string, unknown> | undefined)?.[p];
  if (typeof at === 'object' && at !== null) delete (at as Record<string, unknown>)[parts[parts.length - 1]!];
}

function getPath(doc: Record<string, unknown>, dotted: string): unknown {
  let at: unknown = doc;
  for (const p of dotted.split('.')) at = (at as Record<string, unknown> | undefined)?.[p];
  return at;
}

function applyUpdate(doc: Doc, update: Update, where: string): void {
  for (const [op, fields] of Object.entries(update)) {
    if (op === '$set') for (const [k, v] of Object.entries(fields)) setPath(doc, k, v);
    else if (op === '$inc')
      for (const [k, v] of Object.entries(fields)) setPath(doc, k, Number(getPath(doc, k) ?? 0) + Number(v));
    else if (op === '$unset') for (const k of Object.keys(fields)) unsetPath(doc, k);
    else if (!op.startsWith('$')) setPath(doc, op, fields);
    else throw unknownUse(where, `update operator ${op}`);
  }
}

const unknownUse = (where: string, what: string): Error =>
  new Error(
    `seeding: the repositories now use ${where} ${what}, which bench/lib/seed-store.ts does not ` +
      'emulate; add it there (the growth benchmark seeds through the repositories)',
  );

/** One collection: the documents written since the last `take()`. */
class FakeModel {
  readonly docs = new Map<string, Doc>();

  constructor(readonly name: string) {}

  private put(doc: Doc): void {
    this.docs.set(keyOf(doc._id), doc);
  }

  private byFilter(filter: Record<string, unknown>, what: string): Doc | undefined {
    if (!('_id' in filter)) throw unknownUse(`${this.name}.${what}`, 'with a filter without _id');
    return this.docs.get(keyOf(filter._id));
  }

  /** The documents written since the last take, as they are now; forgets them. */
  take(): Doc[] {
    const out = [...this.docs.values()];
    this.docs.clear();
    return out;
  }

  readonly collection = {
    insertOne: (doc: Doc): Promise<{ acknowledged: true }> => {
      this.put({ ...doc });
      return Promise.resolve({ acknowledged: true });
    },
    insertMany: (docs: Doc[]): Promise<{ acknowledged: true; insertedCount: number }> => {
      for (const d of docs) this.put({ ...d });
      return Promise.resolve({ acknowledged: true, insertedCount: docs.length });
    },
  };

  insertMany(docs: Doc[]): Promise<Doc[]> {
    const stored = docs.map((d) => ({ ...d, _id: d._id ?? new mongoose.Types.ObjectId() }));
    for (const d of stored) this.put(d);
    return Promise.resolve(stored.map((d) => ({ ...d, toObject: () => ({ ...d }) })));
  }

  create(doc: Doc): Promise<Doc> {
    this.put({ ...doc });
    return Promise.resolve(doc);
  }

  findById(id: unknown): unknown {
    return query(() => {
      const d = this.docs.get(keyOf(id));
      return d ? { ...d } : null;
    });
  }

  exists(filter: Record<string, unknown>): unknown {
    return query(() => (this.byFilter(filter, 'exists') ? { _id: filter._id } : null));
  }

  findOneAndUpdate(
    filter: Record<string, unknown>,
    update: Update,
    opts: { returnDocument?: 'before' | 'after' } = {},
  ): unknown {
    return query(() => {
      const d = this.byFilter(filter, 'findOneAndUpdate');
      if (!d) return null;
      const before = { ...d };
      applyUpdate(d, update, `${this.name}.findOneAndUpdate`);
      return opts.returnDocument === 'after' ? { ...d } : before;
    });
  }

  bulkWrite(ops: { deleteOne?: { filter: Record<string, unknown> } }[]): Promise<{ deletedCount: number }> {
    let deletedCount = 0;
    for (const op of ops) {
      if (!op.deleteOne) throw unknownUse(`${this.name}.bulkWrite`, `operation ${Object.keys(op).join()}`);
      const d = this.byFilter(op.deleteOne.filter, 'bulkWrite deleteOne');
      if (d && this.docs.delete(keyOf(d._id))) deletedCount += 1;
    }
    return Promise.resolve({ deletedCount });
  }

  deleteOne(filter: Record<string, unknown>): unknown {
    return query(() => {
      const d = this.byFilter(filter, 'deleteOne');
      if (d) this.docs.delete(keyOf(d._id));
      return { deletedCount: d ? 1 : 0 };
    });
  }
}

function strict(model: FakeModel, label: string): FakeModel {
  return new Proxy(model, {
    get(target, prop, receiver) {
      if (typeof prop === 'symbol' || prop in target) return Reflect.get(target, prop, receiver) as unknown;
      throw unknownUse(`models.${label}`, `.${prop}`);
    },
  });
}

export interface SeedStore {
  /** Pass to the repositories' constructors. */
  models: Models;
  /** Collection name -> the documents written since the last call (each collection then forgets them). */
  take(): Record<string, Doc[]>;
}

/** The models the repositories expect, kept in memory; collection names from the real schemas. */
export function seedStore(): SeedStore {
  const real = registerModels(mongoose.createConnection());
  const fakes: Record<string, FakeModel> = {};
  const models = Object.fromEntries(
    Object.entries(real).map(([label, model]) => {
      const fake = new FakeModel(
        (model as { collection: { collectionName: string } }).collection.collectionName,
      );
      fakes[label] = fake;
      return [label, strict(fake, label)];
    }),
  ) as unknown as Models;
  return {
    models,
    take: () => {
      const out: Record<string, Doc[]> = {};
      for (const f of Object.values(fakes)) {
        const docs = f.take();
        if (docs.length) out[f.name] = docs;
      }
      return out;
    },
  };
}

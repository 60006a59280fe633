import type { Connection, Model } from 'mongoose';
import { backfillQueryFields } from '../backfill';
import { claimSchema, type ClaimDoc } from './appointments';
import { transitionSchema, type TransitionDoc } from './claim-transitions';
import { migrationSchema, type MigrationDoc } from './migrations';
import { idempotencySchema, type IdempotencyDoc } from './request-log';
import { serviceChangeSchema, type ServiceChangeDoc } from './service-changes';
import { serviceSchema, type ServiceDoc } from './services';
import { placesEntrySchema, type PlaceMemberDoc, type PlacesEntryDoc } from './slot-places';
import { slotSchema, type SlotDoc } from './slots';

/**
 * Storage shapes, one file per collection (named after it). Each index is
 * declared with its schema and created at start-up by `ensureIndexes`
 * (autoIndex is off: index builds are an explicit step).
 */

export type {
  ClaimDoc,
  IdempotencyDoc,
  MigrationDoc,
  PlaceMemberDoc,
  PlacesEntryDoc,
  ServiceChangeDoc,
  ServiceDoc,
  SlotDoc,
  TransitionDoc,
};

export interface Models {
  services: Model<ServiceDoc>;
  slots: Model<SlotDoc>;
  claims: Model<ClaimDoc>;
  transitions: Model<TransitionDoc>;
  serviceChanges: Model<ServiceChangeDoc>;
  places: Model<PlacesEntryDoc>;
  requests: Model<IdempotencyDoc>;
  migrations: Model<MigrationDoc>;
}

export function registerModels(connection: Connection): Models {
  return {
    services: connection.model<ServiceDoc>('Service', serviceSchema),
    slots: connection.model<SlotDoc>('Slot', slotSchema),
    claims: connection.model<ClaimDoc>('Claim', claimSchema),
    transitions: connection.model<TransitionDoc>('ClaimTransition', transitionSchema),
    serviceChanges: connection.model<ServiceChangeDoc>('ServiceChange', serviceChangeSchema),
    places: connection.model<PlacesEntryDoc>('SlotPlaces', placesEntrySchema),
    requests: connection.model<IdempotencyDoc>('RequestLog', idempotencySchema),
    migrations: connection.model<MigrationDoc>('Migration', migrationSchema),
  };
}

/**
 * Creates the collections and every declared index, then fills the query
 * fields of documents written before they existed (see ../backfill.ts); safe to
 * run on each start.
 */
export async function ensureIndexes(models: Models): Promise<void> {
  for (const model of [
    models.services,
    models.slots,
    models.claims,
    models.transitions,
    models.serviceChanges,
    models.places,
    models.requests,
    models.migrations,
  ]) {
    await model.createCollection().catch((err: unknown) => {
      // NamespaceExists (48): another instance created it first.
      if ((err as { code?: number }).code !== 48) throw err;
    });
    await model.createIndexes();
  }
  await backfillQueryFields(models);
}

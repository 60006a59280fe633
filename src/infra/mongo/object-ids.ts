import { Types } from 'mongoose';

/** Ids reach the repositories validated (24 hex characters); this only converts. */
export const oid = (hex: string): Types.ObjectId => new Types.ObjectId(hex);
export const newId = (): string => new Types.ObjectId().toHexString();
export const hex = (id: Types.ObjectId): string => id.toHexString();

export const isDuplicateKeyError = (err: unknown): boolean =>
  typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 11000;

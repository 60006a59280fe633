/** Ids for tests: a fresh user id per call (one counter per test file), and ObjectIds from hex. */
import { Types } from 'mongoose';

let userCounter = 0;
export const newUser = (label: string): string => `${label}-${++userCounter}`;
export const oid = (hex: string): Types.ObjectId => new Types.ObjectId(hex);

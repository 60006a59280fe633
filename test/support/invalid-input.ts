/**
 * The fixture of the invalid-input tests (test/integration/invalid-input/):
 * one app per file (test/support/file-app.ts) holding a service, its slots and
 * an appointment of OWNER, and `refused`, which proves a call was refused as
 * invalid, naming exactly the invalid fields, and changed nothing.
 */
import { status } from '@grpc/grpc-js';
import { serviceWithSlots } from '../factories';
import { api, t, useFileApp } from './file-app';
import { failure, violatedFields } from './harness';

export let serviceId: string;
export let slotIds: string[];
export let appointmentId: string;
export const OWNER = 'owner-1';

export function useInvalidInputFixture(): void {
  useFileApp({});
  beforeAll(async () => {
    ({
      service: { id: serviceId },
      slotIds,
    } = await serviceWithSlots(api));
    const { appointment } = await api.bookSlot({ slotId: slotIds[0]!, userId: OWNER });
    appointmentId = appointment!.id;
  });
}

/** Every document of every collection, to prove a refused call changed nothing. */
async function storedState(): Promise<Record<string, unknown[]>> {
  const names = (await t.db.listCollections()).map((c) => c.name).sort();
  expect(names).toEqual(expect.arrayContaining(['appointments', 'services', 'slots']));
  const state: Record<string, unknown[]> = {};
  for (const name of names) state[name] = await t.db.collection(name).find({}).sort({ _id: 1 }).toArray();
  return state;
}

/** Runs a call that must be refused as invalid, naming exactly `fields`, and changing nothing. */
export async function refused(run: () => Promise<unknown>, fields: string[]): Promise<void> {
  const before = await storedState();
  const e = await failure(run());
  expect(e.code).toBe(status.INVALID_ARGUMENT);
  expect(e.reason).toBe('INVALID_ARGUMENT');
  expect(violatedFields(e)).toEqual([...fields].sort());
  for (const v of e.fieldViolations) expect(v.description).not.toBe('');
  const after = await storedState();
  const counts = (state: Record<string, unknown[]>) =>
    Object.fromEntries(Object.entries(state).map(([name, docs]) => [name, docs.length]));
  expect(counts(after)).toEqual(counts(before));
  expect(after).toEqual(before);
}

export const ID_LIKE = '65f0c0ffee0000000000abcd';
export const MALFORMED_IDS: [string, string][] = [
  ['not hex', 'xyz'],
  ['uppercase hex', ID_LIKE.toUpperCase()],
  ['25 characters', `${ID_LIKE}0`],
  ['empty', ''],
];

/** Helpers shared by the request tests: what a refused request reports. */
import { type DomainError, type FieldViolation } from '../../../src/domain/errors';
import { domainErrorOf } from '../domain-error-of';

export const ID = '65f0c0ffee0000000000abcd';

export const BAD_IDS: [string, string][] = [
  ['not hex', 'xyz'],
  ['uppercase hex', '65F0C0FFEE0000000000ABCD'],
  ['25 characters', `${ID}0`],
  ['23 characters', ID.slice(1)],
  ['surrounded by spaces', ` ${ID.slice(2)} `],
];

/** The DomainError `fn` throws. */
export function refusal(fn: () => unknown): DomainError {
  return domainErrorOf(fn, 'expected the request to be refused, but it was accepted');
}

/** The sorted fields an INVALID_ARGUMENT refusal of `fn` lists. */
export function violated(fn: () => unknown): string[] {
  const err = refusal(fn);
  expect(err.reason).toBe('INVALID_ARGUMENT');
  for (const v of err.violations) expect(v.description).not.toBe('');
  return err.violations.map((v) => v.field).sort();
}

/** Every violation an INVALID_ARGUMENT refusal of `fn` lists, in its order, as [field, description]. */
export function violationList(fn: () => unknown): [string, string][] {
  const err = refusal(fn);
  expect(err.reason).toBe('INVALID_ARGUMENT');
  expect(err.message).toBe(
    `invalid request: ${err.violations.map((v: FieldViolation) => `${v.field}: ${v.description}`).join('; ')}`,
  );
  return err.violations.map((v) => [v.field, v.description]);
}

/** One test per [given, used] pair: `parse` takes page_size `given` as `used` (the default for 0, capped at the maximum). */
export function itTakesPageSizes(
  parse: (req: { pageSize: number }) => { pageSize: number },
  cases: [given: number, used: number][],
): void {
  it.each(cases)('takes page_size %i as %i', (given, used) => {
    expect(parse({ pageSize: given }).pageSize).toBe(used);
  });
}

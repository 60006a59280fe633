/** The unit tests' way to catch what the domain refuses with. */
import { DomainError } from '../../src/domain/errors';

/** The DomainError `fn` throws (fails the test if it throws nothing or something else). */
export function domainErrorOf(
  fn: () => unknown,
  nothingThrown = 'expected a DomainError, nothing was thrown',
): DomainError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(DomainError);
    return err as DomainError;
  }
  throw new Error(nothingThrown);
}

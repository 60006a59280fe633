import { invalidArgument, type FieldViolation } from './errors';

/**
 * Collects every invalid field of a request, so that one INVALID_ARGUMENT
 * answer lists all of them rather than the first.
 */
export class Violations {
  private readonly list: FieldViolation[] = [];

  add(field: string, description: string): void {
    this.list.push({ field, description });
  }

  /** Records a violation when `ok` is false; returns `ok`. */
  check(ok: boolean, field: string, description: string): boolean {
    if (!ok) this.add(field, description);
    return ok;
  }

  get isEmpty(): boolean {
    return this.list.length === 0;
  }

  /** Throws INVALID_ARGUMENT with every recorded violation, if any. */
  throwIfAny(): void {
    if (this.list.length > 0) throw invalidArgument(this.list);
  }
}

const CURRENCY = /^[A-Z]{3}$/;

export const isCurrencyCode = (value: string): boolean => CURRENCY.test(value);

/**
 * What is wrong with a free-text field, if anything: blank when required,
 * longer than `max` characters (code points), or holding control characters.
 */
export function textProblem(value: string, opts: { required?: boolean; max: number }): string | null {
  if (opts.required && value.trim() === '') return 'is required';
  if ([...value].length > opts.max) return `must be at most ${opts.max} characters`;
  if (hasControlCharacters(value)) return 'must not contain control characters';
  return null;
}

/** Checks a free-text field (see textProblem). */
export function checkText(
  v: Violations,
  field: string,
  value: string,
  opts: { required?: boolean; max: number },
): string {
  const problem = textProblem(value, opts);
  if (problem) v.add(field, problem);
  return value;
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;
const hasControlCharacters = (value: string): boolean => CONTROL.test(value);

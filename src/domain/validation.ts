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

const OBJECT_ID = /^[0-9a-f]{24}$/;
/** Opaque user ids issued by an identity provider: conservative characters only. */
const USER_ID = /^[A-Za-z0-9][A-Za-z0-9._@:|+-]{0,127}$/;
const CURRENCY = /^[A-Z]{3}$/;

export const isObjectIdHex = (value: string): boolean => OBJECT_ID.test(value);
export const isUserId = (value: string): boolean => USER_ID.test(value);
export const isCurrencyCode = (value: string): boolean => CURRENCY.test(value);

/** Requires a 24-hex-character id. Returns the value when valid. */
export function requireId(v: Violations, field: string, value: string): string {
  if (value === '') v.add(field, 'is required');
  else v.check(isObjectIdHex(value), field, 'must be 24 lowercase hexadecimal characters');
  return value;
}

export function requireUserId(v: Violations, field: string, value: string): string {
  if (value === '') v.add(field, 'is required');
  else
    v.check(
      isUserId(value),
      field,
      'must be 1 to 128 characters of letters, digits and ._@:|+- starting with a letter or digit',
    );
  return value;
}

/** Checks a free-text field's length in characters (code points). */
export function checkText(
  v: Violations,
  field: string,
  value: string,
  opts: { required?: boolean; max: number },
): string {
  const length = [...value].length;
  if (opts.required && value.trim() === '') v.add(field, 'is required');
  else if (length > opts.max) v.add(field, `must be at most ${opts.max} characters`);
  else v.check(!hasControlCharacters(value), field, 'must not contain control characters');
  return value;
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;
const hasControlCharacters = (value: string): boolean => CONTROL.test(value);

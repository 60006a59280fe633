/**
 * Field schemas shared by the requests, each worded as its BadRequest
 * description. A field yields at most one violation: a required value that
 * is missing is only `is required`.
 */
import { z } from 'zod';
import { isValidLocalDate } from '../../domain/slot-plan';
import { MAX_CAPACITY, type LocalDate } from '../../domain/types';
import { textProblem } from '../../domain/validation';
import type { DateMessage } from '../../gen/google/type/date';
import type { TimeOfDay } from '../../gen/google/type/timeofday';
import { parseHoldToken, type HoldToken } from '../../use-cases/shared/hold-token';

const OBJECT_ID = /^[0-9a-f]{24}$/;
/** Opaque user ids issued by an identity provider: conservative characters only. */
const USER_ID = /^[A-Za-z0-9][A-Za-z0-9._@:|+-]{0,127}$/;
/** AIP-155: 1 to 64 URL-safe characters (a UUID fits). */
const REQUEST_ID = /^[A-Za-z0-9_-]{1,64}$/;

const ID_FORMAT = 'must be 24 lowercase hexadecimal characters';
const USER_ID_FORMAT =
  'must be 1 to 128 characters of letters, digits and ._@:|+- starting with a letter or digit';
const HOLD_TOKEN_FORMAT = 'is not a hold token returned by HoldSlot';

const REQUIRED = { error: 'is required', abort: true } as const;

/** A required string matching `format`. */
const requiredString = (format: RegExp, message: string) =>
  z.string().min(1, REQUIRED).regex(format, message);

/** An optional string: empty (not sent) is null, anything else must match `format`. */
const optionalString = (format: RegExp, message: string) =>
  z
    .string()
    .refine((s) => s === '' || format.test(s), message)
    .transform((s) => (s === '' ? null : s));

/** A required message field (protobuf leaves an unsent one undefined). */
const present = <T>() => z.custom<T>((value) => value !== undefined, REQUIRED);

export const objectId = requiredString(OBJECT_ID, ID_FORMAT);
export const optionalObjectId = optionalString(OBJECT_ID, ID_FORMAT);
export const userId = requiredString(USER_ID, USER_ID_FORMAT);
/** An optional provider id: empty (none), or an id of the same alphabet as user ids. */
export const optionalProviderId = optionalString(USER_ID, USER_ID_FORMAT);
/** An optional AIP-155 request id: empty, or 1 to 64 URL-safe characters. */
export const requestId = z
  .string()
  .refine((s) => s === '' || REQUEST_ID.test(s), 'must be 1 to 64 of A-Z a-z 0-9 _ -');

/** A number that must satisfy `ok`, described by `message` otherwise (NaN and infinities included). */
export const numberWhere = (ok: (n: number) => boolean, message: string) =>
  z.number({ error: message }).refine(ok, message);

/** AIP-158: 0 is the default; larger sizes are coerced to the maximum. */
export const pageSize = (sizes: { default: number; max: number }) =>
  numberWhere((n) => Number.isInteger(n) && n >= 0, 'must not be negative').transform((n) =>
    n === 0 ? sizes.default : Math.min(n, sizes.max),
  );

/** A party size: 0 or unset (the default) means 1; at most MAX_CAPACITY (a slot's own capacity is checked later). */
export const partySize = z
  .number({ error: `must be between 1 and ${MAX_CAPACITY} places (0 means 1)` })
  .optional()
  .refine(
    (n) => n === undefined || (Number.isInteger(n) && n >= 0 && n <= MAX_CAPACITY),
    `must be between 1 and ${MAX_CAPACITY} places (0 means 1)`,
  )
  .transform((n) => (n === undefined || n === 0 ? 1 : n));

/** A protobuf enum read into its domain value; `undefined` from `read` is an unknown value. */
export const enumValue = <T>(read: (value: number) => T | undefined, message: string) =>
  z.number({ error: message }).transform((value, ctx): T => {
    const mapped = read(value);
    if (mapped !== undefined) return mapped;
    ctx.addIssue({ code: 'custom', message, input: value });
    return z.NEVER;
  });

/** An optional timestamp: unset is null. */
export const timestamp = z
  .date({ error: 'must be a valid timestamp' })
  .optional()
  .transform((t) => t ?? null);

export const localDate = present<DateMessage>()
  .refine((d) => isValidLocalDate(d), 'must be a valid calendar date')
  .transform((d): LocalDate => ({ year: d.year, month: d.month, day: d.day }));

/** A time of day in whole minutes; 24:00 only where `allowEndOfDay` (a closing time). */
export const timeOfDay = (allowEndOfDay: boolean) =>
  present<TimeOfDay>()
    .refine(
      (t) =>
        Number.isInteger(t.hours) &&
        Number.isInteger(t.minutes) &&
        ((t.hours >= 0 && t.hours <= 23) || (allowEndOfDay && t.hours === 24 && t.minutes === 0)) &&
        t.minutes >= 0 &&
        t.minutes <= 59 &&
        t.seconds === 0 &&
        t.nanos === 0,
      `must be a time of day 00:00 to 23:59${allowEndOfDay ? ' (or 24:00)' : ''} with no seconds`,
    )
    .transform((t) => t.hours * 60 + t.minutes);

/** Free text: at most `max` characters (code points), no control characters. */
export const text = (max: number) =>
  z.string().superRefine((value, ctx) => {
    const problem = textProblem(value, { max });
    if (problem) ctx.addIssue({ code: 'custom', message: problem, input: value });
  });

/** A hold token as HoldSlot issued it (`<hold id>.<secret>`). */
function readHoldToken(token: string, ctx: z.RefinementCtx): HoldToken {
  const parsed = parseHoldToken(token);
  if (parsed) return parsed;
  ctx.addIssue({ code: 'custom', message: HOLD_TOKEN_FORMAT, input: token });
  return z.NEVER;
}
export const holdToken = z.string().min(1, REQUIRED).transform(readHoldToken);
/** An optional hold token: empty (none) is null. */
export const optionalHoldToken = z
  .string()
  .transform((token, ctx) => (token === '' ? null : readHoldToken(token, ctx)));
